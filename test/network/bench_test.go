package network_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-containers/berth/network"
)

// BenchmarkPublishedPortThroughput fetches a 256 MiB file from busybox
// httpd inside a namespace through a port published on 127.0.0.1 (DNAT in
// the output hook, masquerade onto the bridge, veth), reported as MB/s.
func BenchmarkPublishedPortThroughput(b *testing.B) {
	const size = 256 << 20
	s := newStore(b)
	c := newCtr(b, s, true)
	ep, err := s.Attach(ctx, c.netns, c.id, network.AttachOptions{Ports: mustParse(b, "127.0.0.1::80")})
	if err != nil {
		b.Fatal(err)
	}
	www := filepath.Join(c.rootfs, "www")
	if err := os.MkdirAll(www, 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(www, "big"), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for range size / len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			b.Fatal(err)
		}
	}
	f.Close()
	c.start(b, "httpd", "-f", "-p", "80", "-h", "/www")
	url := fmt.Sprintf("http://127.0.0.1:%d/big", hostPort(ep, "tcp"))
	get := func() (int64, error) {
		resp, err := http.Get(url)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		return io.Copy(io.Discard, resp.Body)
	}
	eventually(b, "GET "+url, func() error { _, err := get(); return err })
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		n, err := get()
		if err != nil || n != size {
			b.Fatalf("GET %s: %d bytes, %v", url, n, err)
		}
	}
}

// BenchmarkAttachDetach is the network's share of a container start and
// stop: attach with one published port, then detach, on a user network.
func BenchmarkAttachDetach(b *testing.B) {
	s := newStore(b)
	if _, err := s.Create(network.CreateOptions{Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	c := newCtr(b, s, false)
	ports := mustParse(b, "127.0.0.1::80")
	for b.Loop() {
		if _, err := s.Attach(ctx, c.netns, c.id, network.AttachOptions{Network: "bench", Ports: ports}); err != nil {
			b.Fatal(err)
		}
		if err := s.Detach(ctx, c.id, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

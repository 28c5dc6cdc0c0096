package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// countingProxy forwards to the registry and counts the bytes of blob
// responses it relays.
type countingProxy struct {
	addr  string
	bytes atomic.Int64
	blobs atomic.Int64
	srv   *http.Server
}

func startProxy(target string) (*countingProxy, error) {
	u, _ := url.Parse("http://" + target)
	p := &countingProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if resp.Request.Method == http.MethodGet && strings.Contains(resp.Request.URL.Path, "/blobs/") {
			p.blobs.Add(1)
			resp.Body = &countingBody{ReadCloser: resp.Body, n: &p.bytes}
		}
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.addr = l.Addr().String()
	p.srv = &http.Server{Handler: rp}
	go p.srv.Serve(l)
	return p, nil
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(b []byte) (int, error) {
	n, err := c.ReadCloser.Read(b)
	c.n.Add(int64(n))
	return n, err
}

// sharedLayers pulls A then B (sharing 4 of 5 layers) into one root and
// reports what B's pull transferred.
func sharedLayers(work, berth, regAddr, refA, refB string, layerMB int) error {
	p, err := startProxy(regAddr)
	if err != nil {
		return err
	}
	defer p.srv.Close()
	root := filepath.Join(work, "berth-shared")
	defer cleanup(root)
	via := func(ref string) string { return p.addr + strings.TrimPrefix(ref, regAddr) }
	if out, err := exec.Command(berth, "--root", root, "pull", "-q", via(refA)).CombinedOutput(); err != nil {
		return fmt.Errorf("pull %s: %w\n%s", refA, err, out)
	}
	aBytes, aBlobs := p.bytes.Swap(0), p.blobs.Swap(0)
	out, err := exec.Command(berth, "--root", root, "pull", via(refB)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pull %s: %w\n%s", refB, err, out)
	}
	fmt.Printf("\nsecond image sharing 4 of 5 layers, pulled after the first:\n")
	fmt.Printf("  first pull:  %d blobs, %.1f MB\n", aBlobs, float64(aBytes)/1e6)
	fmt.Printf("  second pull: %d blobs, %.1f MB (one layer is ~%.1f MB)\n", p.blobs.Load(), float64(p.bytes.Load())/1e6, float64(layerMB<<20)/1e6)
	fmt.Printf("  berth's output:\n    %s\n", strings.ReplaceAll(strings.TrimSpace(string(out)), "\n", "\n    "))
	return nil
}

package layer

import (
	"archive/tar"
	"bytes"
	"fmt"
	"os"
	"testing"
)

// BenchmarkApply applies a layer shaped like a distribution's: many small
// files in a few hundred directories, and some large ones.
func BenchmarkApply(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: owners")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	small, large := bytes.Repeat([]byte("s"), 8<<10), bytes.Repeat([]byte("L"), 8<<20)
	add := func(h *tar.Header, body []byte) {
		if err := tw.WriteHeader(h); err != nil {
			b.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			b.Fatal(err)
		}
	}
	for d := range 200 {
		add(&tar.Header{Typeflag: tar.TypeDir, Name: fmt.Sprintf("usr/lib/d%d/", d), Mode: 0o755}, nil)
		for f := range 25 {
			add(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("usr/lib/d%d/f%d", d, f), Mode: 0o644, Size: int64(len(small))}, small)
		}
	}
	for f := range 6 {
		add(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("big%d", f), Mode: 0o755, Size: int64(len(large))}, large)
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		root := b.TempDir()
		if _, err := Apply(b.Context(), root, bytes.NewReader(buf.Bytes()), ApplyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

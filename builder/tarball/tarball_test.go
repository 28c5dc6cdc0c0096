package tarball

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

func sample(t *testing.T) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "a/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "a/f", Typeflag: tar.TypeReg, Mode: 0o600, Uid: 5, Size: 1},
		{Name: "../../up", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1},
		{Name: "hl", Typeflag: tar.TypeLink, Linkname: "../a/f"},
		{Name: "a/.wh.gone", Typeflag: tar.TypeReg},
	} {
		tw.WriteHeader(h)
		if h.Size > 0 {
			tw.Write([]byte("x"))
		}
	}
	tw.Close()
	return buf.Bytes()
}

func TestIsAndRebase(t *testing.T) {
	raw := sample(t)
	var gz, zs, xzb bytes.Buffer
	g := gzip.NewWriter(&gz)
	g.Write(raw)
	g.Close()
	z, _ := zstd.NewWriter(&zs)
	z.Write(raw)
	z.Close()
	x, _ := xz.NewWriter(&xzb)
	x.Write(raw)
	x.Close()
	var notTar bytes.Buffer
	g = gzip.NewWriter(&notTar)
	g.Write([]byte("text"))
	g.Close()
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		data []byte
		is   bool
	}{
		{"plain.tar", raw, true},
		{"a.tgz", gz.Bytes(), true},
		{"a.zst", zs.Bytes(), true},
		{"a.xz", xzb.Bytes(), true},
		{"text.gz", notTar.Bytes(), false},
		{"text", []byte("hello"), false},
		{"badgz", []byte{0x1f, 0x8b, 0, 0}, false},
	} {
		p := filepath.Join(dir, c.name)
		os.WriteFile(p, c.data, 0o644)
		if got := Is(p); got != c.is {
			t.Errorf("Is(%s) = %v, want %v", c.name, got, c.is)
		}
		if !c.is {
			continue
		}
		var out bytes.Buffer
		tw := tar.NewWriter(&out)
		mode := os.FileMode(0o700)
		if err := Rebase(tw, p, "/dst", Override{Chown: true, UID: 1, GID: 2, Mode: &mode}); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		tw.Close()
		var names []string
		tr := tar.NewReader(&out)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if h.Uid != 1 || h.Gid != 2 || h.Mode != 0o700 {
				t.Errorf("%s: %s is %d:%d %o", c.name, h.Name, h.Uid, h.Gid, h.Mode)
			}
			names = append(names, h.Name+">"+h.Linkname)
		}
		sort.Strings(names)
		if got := strings.Join(names, " "); got != "dst/a/> dst/a/f> dst/hl>dst/a/f dst/up>" {
			t.Errorf("%s: entries %s", c.name, got)
		}
	}
}

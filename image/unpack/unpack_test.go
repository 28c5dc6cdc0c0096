package unpack

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	"github.com/opencontainers/image-spec/identity"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/snapshot/overlay"
	"github.com/berth-containers/berth/snapshot/testsuite"
)

func TestChainIDs(t *testing.T) {
	a, b, c := digest.FromString("a"), digest.FromString("b"), digest.FromString("c")
	tests := [][]digest.Digest{nil, {a}, {a, b}, {a, b, c}, {c, c}}
	for _, diffIDs := range tests {
		got, want := ChainIDs(diffIDs), identity.ChainIDs(append([]digest.Digest(nil), diffIDs...))
		if len(got) != len(want) {
			t.Fatalf("ChainIDs(%v) has %d ids, want %d", diffIDs, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("ChainIDs(%v)[%d] = %s, image-spec says %s", diffIDs, i, got[i], want[i])
			}
		}
	}
}

// testLayer is a generated layer: its tar, compressed as asked, and the
// number of times it was opened.
type testLayer struct {
	tar    []byte
	blob   []byte
	opened atomic.Int32
}

type entry struct {
	hdr  tar.Header
	body string
}

func newLayer(t *testing.T, compress string, entries ...entry) *testLayer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		h.Format, h.Size = tar.FormatPAX, int64(len(e.body))
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	l := &testLayer{tar: buf.Bytes(), blob: buf.Bytes()}
	var out bytes.Buffer
	var w io.WriteCloser
	switch compress {
	case "gzip":
		w = gzip.NewWriter(&out)
	case "zstd":
		zw, err := zstd.NewWriter(&out)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	default:
		return l
	}
	if _, err := w.Write(l.tar); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	l.blob = out.Bytes()
	return l
}

func (l *testLayer) layer() Layer {
	return Layer{DiffID: digest.FromBytes(l.tar), Open: func() (io.ReadCloser, error) {
		l.opened.Add(1)
		return io.NopCloser(bytes.NewReader(l.blob)), nil
	}}
}

func reg(name, body string) entry { return entry{tar.Header{Typeflag: tar.TypeReg, Name: name}, body} }
func dir(name string) entry {
	return entry{hdr: tar.Header{Typeflag: tar.TypeDir, Name: name, Mode: 0o755}}
}

// testImage is three layers: a base, one that deletes and hides parts of
// it, and a plain one on top.
func testImage(t *testing.T) []*testLayer {
	xattrFile := reg("etc/xattr", "x")
	xattrFile.hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.berth": "u", "SCHILY.xattr.trusted.berth": "t"}
	return []*testLayer{
		newLayer(t, "gzip", dir("etc/"), reg("etc/keep", "keep"), reg("etc/gone", "gone"), xattrFile,
			dir("opq/"), reg("opq/old", "old"), dir("opq/sub/"), reg("opq/sub/old", "old"),
			dir("dev/"), entry{hdr: tar.Header{Typeflag: tar.TypeChar, Name: "dev/null", Mode: 0o666, Devmajor: 1, Devminor: 3}}),
		newLayer(t, "zstd", dir("etc/"), reg("etc/.wh.gone", ""),
			dir("opq/"), reg("opq/.wh..wh..opq", ""), reg("opq/new", "new")),
		newLayer(t, "", reg("top", "top")),
	}
}

func layersOf(ls ...*testLayer) []Layer {
	out := make([]Layer, len(ls))
	for i, l := range ls {
		out[i] = l.layer()
	}
	return out
}

func newSnapshotter(t *testing.T, root string) *overlay.Snapshotter {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: overlay mounts and trusted.* xattrs")
	}
	sn, err := overlay.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return sn
}

// snapshots lists the snapshots by kind.
func wantCommitted(t *testing.T, sn snapshot.Snapshotter, ids []digest.Digest) {
	t.Helper()
	got := testsuite.Names(t, sn)
	if len(got) != len(ids) {
		t.Errorf("snapshots = %v, want the %d committed chain IDs only", got, len(ids))
	}
	for _, id := range ids {
		if got[id.String()] != snapshot.KindCommitted {
			t.Errorf("snapshot %s: kind %v, want committed", id, got[id.String()])
		}
	}
}

func TestUnpackMergedView(t *testing.T) {
	sn := newSnapshotter(t, t.TempDir())
	img := testImage(t)
	layers := layersOf(img...)
	top, err := Unpack(t.Context(), sn, layers)
	if err != nil {
		t.Fatal(err)
	}
	chain := ChainIDs([]digest.Digest{layers[0].DiffID, layers[1].DiffID, layers[2].DiffID})
	if top != chain[2] {
		t.Errorf("Unpack = %s, want chain ID %s", top, chain[2])
	}
	wantCommitted(t, sn, chain)

	mounts, err := sn.Prepare(t.Context(), "container", top.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	if err := snapshot.MountAll(mounts, target); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := snapshot.UnmountAll(target); err != nil {
			t.Error(err)
		}
	})
	for name, want := range map[string]string{"etc/keep": "keep", "opq/new": "new", "top": "top", "etc/xattr": "x"} {
		if got, err := os.ReadFile(filepath.Join(target, name)); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	for _, name := range []string{"etc/gone", "opq/old", "opq/sub"} {
		if _, err := os.Lstat(filepath.Join(target, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: want hidden in the merged view, lstat err = %v", name, err)
		}
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(target, "dev/null"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("dev/null: mode %o rdev %x err %v, want char 1:3", st.Mode, st.Rdev, err)
	}
	for name, want := range map[string]string{"user.berth": "u", "trusted.berth": "t"} {
		buf := make([]byte, 64)
		n, err := unix.Lgetxattr(filepath.Join(target, "etc/xattr"), name, buf)
		if err != nil || string(buf[:n]) != want {
			t.Errorf("etc/xattr xattr %s = %q, %v; want %q", name, buf[:max(n, 0)], err, want)
		}
	}
	if err := os.WriteFile(filepath.Join(target, "etc/new"), []byte("w"), 0o644); err != nil {
		t.Errorf("container rootfs is not writable: %v", err)
	}
}

// TestUnpackSharesLayers: a second image with the same first two layers
// opens only its own third.
func TestUnpackSharesLayers(t *testing.T) {
	sn := newSnapshotter(t, t.TempDir())
	img := testImage(t)
	if _, err := Unpack(t.Context(), sn, layersOf(img...)); err != nil {
		t.Fatal(err)
	}
	other := newLayer(t, "gzip", reg("other", "other"))
	if _, err := Unpack(t.Context(), sn, layersOf(img[0], img[1], other)); err != nil {
		t.Fatal(err)
	}
	for i, l := range append(img, other) {
		if n := l.opened.Load(); n != 1 {
			t.Errorf("layer %d opened %d times, want once", i, n)
		}
	}
	if n := len(testsuite.Names(t, sn)); n != 4 {
		t.Errorf("%d snapshots, want 4 (3 shared + 1)", n)
	}
}

// TestUnpackFailuresLeaveNothing: a wrong diff ID or a broken blob fails
// naming what was wrong, and leaves no snapshot beyond the layers before.
func TestUnpackFailuresLeaveNothing(t *testing.T) {
	img := testImage(t)
	good := img[0].layer()
	wrong := img[1].layer()
	wrong.DiffID = digest.FromString("not this layer")
	truncated := newLayer(t, "gzip", reg("big", strings.Repeat("data", 10000)))
	truncated.blob = truncated.blob[:len(truncated.blob)/2]
	tests := []struct {
		name  string
		layer Layer
		want  []string
	}{
		{"wrong diff ID", wrong, []string{wrong.DiffID.String(), digest.FromBytes(img[1].tar).String()}},
		{"truncated blob", truncated.layer(), []string{"unexpected EOF"}},
		{"not a tar", newLayer(t, "", reg("x", "x")).withBlob([]byte(strings.Repeat("garbage ", 200))).layer(), []string{"not a tar"}},
		{"open fails", Layer{DiffID: wrong.DiffID, Open: func() (io.ReadCloser, error) { return nil, os.ErrPermission }}, []string{"open blob"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sn := newSnapshotter(t, t.TempDir())
			_, err := Unpack(t.Context(), sn, []Layer{good, tc.layer})
			if err == nil {
				t.Fatal("Unpack succeeded")
			}
			t.Logf("Unpack: %v", err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %s", err, w)
				}
			}
			wantCommitted(t, sn, []digest.Digest{good.DiffID})
		})
	}
}

func (l *testLayer) withBlob(b []byte) *testLayer {
	l.blob = b
	return l
}

// TestUnpackConcurrent: two processes (two snapshotters on one root)
// unpacking the same image both succeed, and one copy of each layer stays.
func TestUnpackConcurrent(t *testing.T) {
	root := t.TempDir()
	sns := []*overlay.Snapshotter{newSnapshotter(t, root), newSnapshotter(t, root)}
	img := testImage(t)
	layers := layersOf(img...)
	var wg sync.WaitGroup
	tops := make([]digest.Digest, 4)
	errs := make([]error, 4)
	for i := range tops {
		wg.Go(func() { tops[i], errs[i] = Unpack(t.Context(), sns[i%2], layers) })
	}
	wg.Wait()
	for i := range tops {
		if errs[i] != nil || tops[i] != tops[0] {
			t.Errorf("unpacker %d: %s, %v", i, tops[i], errs[i])
		}
	}
	wantCommitted(t, sns[0], ChainIDs([]digest.Digest{layers[0].DiffID, layers[1].DiffID, layers[2].DiffID}))
	entries, err := os.ReadDir(filepath.Join(root, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Errorf("%d snapshot dirs left, want 3: %v", len(entries), entries)
	}
}

package layerio

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/snapshot/overlay"
	"github.com/berth-containers/berth/snapshot/testsuite"
)

func stores(t *testing.T) (*content.Store, *overlay.Snapshotter) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: overlay mounts and trusted.* xattrs")
	}
	cs, err := content.New(filepath.Join(t.TempDir(), "content"))
	if err != nil {
		t.Fatal(err)
	}
	sn, err := overlay.New(filepath.Join(t.TempDir(), "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	return cs, sn
}

// layerTar writes a tar of one file, name holding body.
func layerTar(name, body string) func(io.Writer) error {
	return func(w io.Writer) error {
		tw := tar.NewWriter(w)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := io.WriteString(tw, body); err != nil {
			return err
		}
		return tw.Close()
	}
}

// One pass: the blob is the tar byte for byte, and its snapshot is
// committed under the layer's chain ID, readable through both mounts.
func TestWriteBlobAndSnapshot(t *testing.T) {
	cs, sn := stores(t)
	var want bytes.Buffer
	if err := layerTar("hello", "hi\n")(&want); err != nil {
		t.Fatal(err)
	}
	desc, err := Write(t.Context(), cs, sn, nil, layerTar("hello", "hi\n"))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Digest != digest.FromBytes(want.Bytes()) || desc.Size != int64(want.Len()) {
		t.Fatalf("descriptor %s/%d, want the tar's %s/%d", desc.Digest, desc.Size, digest.FromBytes(want.Bytes()), want.Len())
	}
	if _, err := cs.Info(desc.Digest); err != nil {
		t.Fatalf("the blob is not in the content store: %v", err)
	}
	if got := testsuite.Names(t, sn); len(got) != 1 || got[desc.Digest.String()] != snapshot.KindCommitted {
		t.Fatalf("snapshots %v, want only %s committed", got, desc.Digest)
	}
	for _, recordless := range []bool{true, false} {
		dir := filepath.Join(t.TempDir(), "look")
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		release, err := Mount(t.Context(), cs, sn, desc.Digest.String(), dir, recordless)
		if err != nil {
			t.Fatalf("Mount(recordless=%v): %v", recordless, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, "hello"))
		if err != nil || string(data) != "hi\n" {
			t.Errorf("recordless=%v: read %q, %v", recordless, data, err)
		}
		if err := os.WriteFile(filepath.Join(dir, "new"), nil, 0o644); err == nil {
			t.Errorf("recordless=%v: the look into an image is writable", recordless)
		}
		if n := len(testsuite.Names(t, sn)); recordless && n != 1 {
			t.Errorf("a record-less mount recorded a snapshot: %d", n)
		}
		release()
		if got := testsuite.Names(t, sn); len(got) != 1 {
			t.Errorf("recordless=%v: after release, snapshots %v", recordless, got)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("recordless=%v: release left %s (%v)", recordless, dir, err)
		}
	}
}

// A parent with no snapshot: the blob alone is written, for the image's
// write to unpack.
func TestWriteWithoutParentSnapshot(t *testing.T) {
	cs, sn := stores(t)
	desc, err := Write(t.Context(), cs, sn, []digest.Digest{digest.FromString("absent")}, layerTar("f", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Info(desc.Digest); err != nil {
		t.Fatalf("blob: %v", err)
	}
	if got := testsuite.Names(t, sn); len(got) != 0 {
		t.Errorf("snapshots %v, want none", got)
	}
}

// A failing tar writer: the error comes back and no snapshot is left.
func TestWriteFails(t *testing.T) {
	cs, sn := stores(t)
	boom := errors.New("boom")
	_, err := Write(t.Context(), cs, sn, nil, func(w io.Writer) error {
		if err := layerTar("half", "data")(w); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want boom", err)
	}
	if got := testsuite.Names(t, sn); len(got) != 0 {
		t.Errorf("a failed write left snapshots %v", got)
	}
}

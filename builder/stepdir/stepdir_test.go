package stepdir

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRemoveKeepsMounted: a directory with a bind mount in it is not
// removed (the bound files stay), and goes once the mount does.
func TestRemoveKeepsMounted(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount")
	}
	src := t.TempDir()
	keep := filepath.Join(src, "keep")
	os.WriteFile(keep, []byte("x"), 0o644)
	d, err := New(t.TempDir(), "step-")
	if err != nil {
		t.Fatal(err)
	}
	mnt := filepath.Join(d.Path, "m")
	os.Mkdir(mnt, 0o755)
	if err := unix.Mount(src, mnt, "", unix.MS_BIND, ""); err != nil {
		t.Skipf("bind mount: %v", err)
	}
	if err := removeUnmounted(d.Path); err == nil {
		t.Error("removed a directory with a mount in it")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatalf("the bound file is gone: %v", err)
	}
	d.OnRemove(func() error { return unmount(mnt) })
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.Path); !os.IsNotExist(err) {
		t.Errorf("step dir still there: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the bound file is gone: %v", err)
	}
}

func TestOverlayOfAFileCopies(t *testing.T) {
	src := filepath.Join(t.TempDir(), "f")
	os.WriteFile(src, []byte("data"), 0o640)
	d, err := New(t.TempDir(), "step-")
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Overlay("rw-0", src)
	if err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "data" {
		t.Errorf("copy has %q", data)
	}
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
}

func TestTmpfs(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to mount")
	}
	d, err := New(t.TempDir(), "step-")
	if err != nil {
		t.Fatal(err)
	}
	p, err := d.Tmpfs("secrets")
	if err != nil {
		t.Skipf("tmpfs: %v", err)
	}
	if again, err := d.Tmpfs("secrets"); err != nil || again != p {
		t.Errorf("second Tmpfs: %s, %v", again, err)
	}
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil || st.Type != unix.TMPFS_MAGIC {
		t.Errorf("%s is not a tmpfs (%x, %v)", p, st.Type, err)
	}
	if err := d.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.Path); !os.IsNotExist(err) {
		t.Errorf("step dir still there: %v", err)
	}
}

package shm

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestMountUnmount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := filepath.Join(t.TempDir(), "shm")
	if Mounted(dir) {
		t.Fatal("a missing directory counts as mounted")
	}
	if err := Mount(dir, 1<<20); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := Unmount(dir); err != nil {
			t.Error(err)
		}
	}()
	if !Mounted(dir) {
		t.Fatal("not mounted after Mount")
	}
	if err := Mount(dir, 1<<20); err != nil {
		t.Fatalf("mount again over a mounted one: %v", err)
	}
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		t.Fatal(err)
	}
	if st.Mode&0o7777 != 0o1777 {
		t.Errorf("mode %o, want 1777", st.Mode&0o7777)
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	const want = unix.ST_NOSUID | unix.ST_NODEV | unix.ST_NOEXEC
	if fs.Flags&want != want {
		t.Errorf("flags %#x, want nosuid, nodev and noexec", fs.Flags)
	}
	if got := int64(fs.Blocks) * fs.Bsize; got != 1<<20 {
		t.Errorf("size %d, want %d", got, 1<<20)
	}
	if err := Unmount(dir); err != nil {
		t.Fatal(err)
	}
	if Mounted(dir) {
		t.Error("still mounted after Unmount")
	}
	if err := Unmount(dir); err != nil {
		t.Errorf("unmount of an unmounted dir: %v", err)
	}
}

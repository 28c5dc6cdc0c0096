package fds

import (
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

func cloexec(t *testing.T, fd int) bool {
	t.Helper()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatalf("F_GETFD %d: %v", fd, err)
	}
	return flags&unix.FD_CLOEXEC != 0
}

func TestCloexecAndClose(t *testing.T) {
	fd, err := unix.Dup(0) // dup drops close-on-exec: an "inherited" descriptor
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if cloexec(t, fd) {
		t.Fatal("dup'd descriptor already close-on-exec")
	}
	if !slices.Contains(openFDs(3), fd) {
		t.Fatalf("openFDs(3) misses %d", fd)
	}
	CloexecInherited()
	if !cloexec(t, fd) {
		t.Error("CloexecInherited left the descriptor inheritable")
	}
	other, err := unix.Dup(0)
	if err != nil {
		t.Fatal(err)
	}
	CloseInherited(other)
	if _, err := unix.FcntlInt(uintptr(other), unix.F_GETFD, 0); err != unix.EBADF {
		t.Errorf("CloseInherited left %d open (err %v)", other, err)
	}
}

// TestPathReopensTheSameFile: the path names the descriptor's file even
// after the name it was opened by is gone.
func TestPathReopensTheSameFile(t *testing.T) {
	name := t.TempDir() + "/f"
	fd, err := unix.Open(name, unix.O_CREAT|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Unlink(name); err != nil {
		t.Fatal(err)
	}
	again, err := unix.Open(Path(fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("reopen %s: %v", Path(fd), err)
	}
	defer unix.Close(again)
	var a, b unix.Stat_t
	if err := unix.Fstat(fd, &a); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(again, &b); err != nil {
		t.Fatal(err)
	}
	if a.Ino != b.Ino || a.Dev != b.Dev {
		t.Fatalf("%s is inode %d, the descriptor's is %d", Path(fd), b.Ino, a.Ino)
	}
}

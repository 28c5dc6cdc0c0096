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

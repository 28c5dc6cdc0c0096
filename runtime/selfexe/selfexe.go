// Package selfexe gives berth-runtime a handle on its own binary that a
// container cannot write through, for re-executing /proc/self/exe as the
// container's init and exec'd processes: the CVE-2019-5736 defence, where
// a container that overwrites its /proc/PID/exe would otherwise replace
// the runtime on the host.
package selfexe

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Sealed returns an O_PATH fd of berth-runtime's own binary that a
// container cannot write through (CVE-2019-5736). The container's init is
// started from it; while it runs, its /proc/PID/exe points there.
//
// The fast way, as runc 1.2 also does it in spirit: a detached, read-only
// bind mount of the binary's directory (open_tree + mount_setattr). It is in
// no mount namespace, so nothing in the container can remount it, and a
// write through /proc/PID/exe fails with EROFS. No copy is made, so it costs
// three syscalls. Where the kernel lacks the new mount API, the binary is
// copied into a sealed memfd instead.
func Sealed() (*os.File, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find own executable: %w", err)
	}
	f, err := readOnlyBind(self)
	if err == nil {
		return f, nil
	}
	return sealedCopy(self)
}

func readOnlyBind(path string) (*os.File, error) {
	tree, err := unix.OpenTree(unix.AT_FDCWD, filepath.Dir(path), unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return nil, err
	}
	defer unix.Close(tree)
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH, attr); err != nil {
		return nil, err
	}
	fd, err := unix.Openat(tree, filepath.Base(path), unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), path), nil
}

func sealedCopy(path string) (*os.File, error) {
	src, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open own executable: %w", err)
	}
	defer src.Close()
	fd, err := unix.MemfdCreate("berth-runtime", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("memfd for a sealed copy of %s: %w", path, err)
	}
	mem := os.NewFile(uintptr(fd), "berth-runtime")
	if _, err := io.Copy(mem, src); err != nil {
		mem.Close()
		return nil, fmt.Errorf("copy %s into memfd: %w", path, err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(mem.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		mem.Close()
		return nil, fmt.Errorf("seal memfd copy of %s: %w", path, err)
	}
	return mem, nil
}

package initproc

import (
	"fmt"
	"log/slog"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/caps"
)

// selfFDs is /proc/self/fd of the host's procfs, held open by a container
// that shares the runtime's mount namespace: its rootfs has no /proc of
// its own, and the exec fifo is reopened through it (waitForStart).
var selfFDs = -1

// chrootShared confines a container that shares the runtime's mount
// namespace to its rootfs, as runc does there (pivot_root needs a
// namespace of its own). Unlike runc, it makes none of the spec's mounts:
// in a shared namespace they would be the host's, outlive the container
// and be left behind; a container that needs them needs a mount namespace.
// What the init reads from /proc later is read or opened first.
func chrootShared(root string, mounts int) error {
	caps.Last() // cached: the capability code reads it after the chroot
	fd, err := unix.Open("/proc/self/fd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /proc/self/fd before chroot: %w", err)
	}
	if err := unix.Chroot(root); err != nil {
		unix.Close(fd)
		return fmt.Errorf("chroot %s (no mount namespace): %w", root, err)
	}
	if err := unix.Chdir("/"); err != nil {
		unix.Close(fd)
		return fmt.Errorf("chdir / in %s: %w", root, err)
	}
	selfFDs = fd
	if mounts > 0 {
		slog.Warn("no mount namespace: the spec's mounts are not made, they would be the host's", "mounts", mounts)
	}
	return nil
}

// reopenFD opens this process's fd n anew with flags, through /proc.
func reopenFD(n, flags int) (int, error) {
	if selfFDs >= 0 {
		return unix.Openat(selfFDs, fmt.Sprint(n), flags, 0)
	}
	return unix.Open(fmt.Sprintf("/proc/self/fd/%d", n), flags, 0)
}

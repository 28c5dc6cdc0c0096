package initproc

import (
	"fmt"
	"log/slog"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/fds"
	"github.com/berth-containers/berth/runtime/caps"
)

// chrootShared confines a container that shares the runtime's mount
// namespace to its rootfs, as runc does there (pivot_root needs a
// namespace of its own). Unlike runc, it makes none of the spec's mounts:
// in a shared namespace they would be the host's, outlive the container
// and be left behind; a container that needs them needs a mount namespace.
// What the init reads from /proc later is read or opened first: the
// host's /proc/self/fd is kept in c.selfFDs, for waitForStart.
func chrootShared(c *Config) error {
	root, mounts := c.Rootfs, len(c.Spec.Mounts)
	caps.Last() // cached: the capability code reads it after the chroot
	// The rootfs gets no devpts: the terminal is the host's, which is
	// the one this mount namespace has (runc mounts a devpts into the
	// rootfs in the host's namespace, where it stays).
	if c.Spec.Process.Terminal {
		if err := setupTerminal(c, false); err != nil {
			return err
		}
	}
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
	c.selfFDs = fd
	if mounts > 0 {
		slog.Warn("no mount namespace: the spec's mounts are not made, they would be the host's", "mounts", mounts)
	}
	return nil
}

// holdSelfFDs opens the fd directory while the init is still root, for
// waitForStart: the process's user may not search "/" (a rootfs of mode
// 0700), and a reopen through this fd walks no path from there, as runc's
// procfs handle. thread-self, as runc's: Main locked this goroutine to the
// main thread, which waits for start. Without a /proc, reopenFD walks the
// path.
func holdSelfFDs(c *Config) {
	if c.FifoFD < 0 || c.selfFDs > 0 {
		return
	}
	if fd, err := unix.Open("/proc/thread-self/fd", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err == nil {
		c.selfFDs = fd
	}
}

// reopenFD opens this process's fd n anew with flags, through /proc, or
// through selfFDs (a /proc/self/fd held open) where it is not 0.
func reopenFD(selfFDs, n, flags int) (int, error) {
	if selfFDs > 0 {
		return unix.Openat(selfFDs, strconv.Itoa(n), flags, 0)
	}
	return unix.Open(fds.Path(n), flags, 0)
}

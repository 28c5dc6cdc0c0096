package rootfs

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// MountConsole binds the pty slave open as slave onto /dev/console, as runc
// does for a container with a terminal. It runs after pivot_root and before
// Finalize (which may make /dev read-only).
//
// CVE-2025-52565: the container may have made /dev/console a symlink (to
// /proc/sys/kernel/core_pattern, say) for the terminal to be mounted over
// its target. So the mount point is created with mknodat, which never
// follows a symlink, opened O_NOFOLLOW and checked, and the terminal is
// cloned from the slave's fd rather than from a /dev/pts/N path.
func MountConsole(slave int) error {
	r, err := openInRoot("/")
	if err != nil {
		return err
	}
	defer r.close()
	dev, err := r.open("/dev", unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("mount /dev/console: open /dev: %w", err)
	}
	defer unix.Close(dev)
	if err := unix.Mknodat(dev, "console", unix.S_IFREG|0o600, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("mount /dev/console: create: %w", err)
	}
	dst, err := unix.Openat(dev, "console", unix.O_PATH|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("mount /dev/console: open: %w", err)
	}
	defer unix.Close(dst)
	var st unix.Stat_t
	if err := unix.Fstat(dst, &st); err != nil {
		return fmt.Errorf("mount /dev/console: stat: %w", err)
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFCHR {
		return fmt.Errorf("mount /dev/console: it is not a regular file or a character device (mode %#o): refusing to mount the terminal on it", st.Mode)
	}
	tree, err := unix.OpenTree(slave, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("mount /dev/console: clone the pty slave: %w", err)
	}
	defer unix.Close(tree)
	if err := moveMount(tree, dst); err != nil {
		return fmt.Errorf("mount /dev/console: attach: %w", err)
	}
	return nil
}

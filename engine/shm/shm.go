// Package shm is a container's shareable /dev/shm (--ipc shareable): a
// tmpfs mounted in the host's mount namespace, in the container's run
// directory, as dockerd mounts one at the container's ShmPath, so that a
// container with --ipc container:NAME can bind the same tmpfs. One the
// runtime mounted inside the container could not be shared: the kernel
// refuses a bind mount from another mount namespace (EINVAL).
package shm

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/mountpoint"
)

// Mounted tells whether the tmpfs is mounted at dir.
func Mounted(dir string) bool { return mountpoint.Is(dir) }

// Mount mounts a tmpfs of size bytes at dir with Docker's options for
// /dev/shm (mode 1777, nosuid, nodev, noexec), making dir if needed;
// one left mounted by a previous start is kept.
func Mount(dir string, size int64) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create /dev/shm mount point: %w", err)
	}
	if Mounted(dir) {
		return nil
	}
	if err := unix.Mount("shm", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC,
		fmt.Sprintf("mode=1777,size=%d", size)); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}

// Unmount detaches the tmpfs at dir, if mounted, lazily: a container that
// joined the IPC namespace keeps its bind of it, as with dockerd when the
// owner stops.
func Unmount(dir string) error {
	if !Mounted(dir) {
		return nil
	}
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

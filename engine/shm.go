package engine

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/record"
)

// A container with --ipc shareable gets its /dev/shm as a tmpfs mounted in
// the host's mount namespace, in its run directory, as dockerd mounts one
// at the container's ShmPath: a container with --ipc container:NAME binds
// the same tmpfs. A tmpfs the runtime mounts inside the container could not
// be shared, as the kernel refuses a bind mount from another mount
// namespace (EINVAL).

// mountShm mounts the shareable /dev/shm of c, unless a previous start left
// it mounted.
func (e *runtimeOps) mountShm(c *Container) error {
	x := c.HostConfig.ExtraHostConfig
	if x.IpcMode != "shareable" {
		return nil
	}
	dir := e.dirs.shmDir(c.ID)
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create /dev/shm mount point: %w", err)
	}
	if isMountPoint(dir) {
		return nil
	}
	size := x.ShmSize
	if size <= 0 {
		size = record.DefaultShmSize
	}
	// Docker's options for the shm tmpfs: mode 1777, nosuid, nodev, noexec.
	if err := unix.Mount("shm", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC,
		fmt.Sprintf("mode=1777,size=%d", size)); err != nil {
		return fmt.Errorf("mount /dev/shm of container %s: %w", c.Name, err)
	}
	return nil
}

// unmountShm unmounts the shareable /dev/shm, if mounted. It is detached
// lazily: a container that joined the IPC namespace keeps its bind of it,
// as it does with dockerd when the owner stops.
func (e *runtimeOps) unmountShm(id string) error {
	dir := e.dirs.shmDir(id)
	if !isMountPoint(dir) {
		return nil
	}
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
		return fmt.Errorf("unmount /dev/shm of container %s: %w", id, err)
	}
	return nil
}

// ipcShmPath is the host's /dev/shm of the container c binds at its own:
// its own shareable one, or that of the container --ipc container:NAME
// names, which must be shareable and running (dockerd's getIpcContainer);
// "" when the runtime mounts the container's own tmpfs.
func (e *runtimeOps) ipcShmPath(c *Container) (string, error) {
	mode := c.HostConfig.IpcMode
	if mode == "shareable" {
		return e.dirs.shmDir(c.ID), nil
	}
	ref, ok := strings.CutPrefix(mode, "container:")
	if !ok {
		return "", nil
	}
	msg := "can't join IPC of container " + ref
	other, err := e.Get(ref)
	if err != nil {
		return "", fmt.Errorf("%s: %w", msg, err)
	}
	if !other.Running() {
		return "", fmt.Errorf("%s: container %s is not running", msg, other.ID)
	}
	// Docker 20.10 refuses a donor with the default private IPC, whose
	// /dev/shm is its own mount namespace's.
	dir := e.dirs.shmDir(other.ID)
	if other.HostConfig.IpcMode != "shareable" || !isMountPoint(dir) {
		return "", errors.New(msg + ": non-shareable IPC (hint: use IpcMode:shareable for the donor container)")
	}
	return dir, nil
}

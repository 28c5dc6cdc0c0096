package bundle

import (
	"errors"
	"fmt"
	"strings"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/shm"
)

// mountShm mounts the shareable /dev/shm of c (engine/shm).
func (e ops) mountShm(c *record.Container) error {
	x := c.HostConfig.ExtraHostConfig
	if x.IpcMode != "shareable" {
		return nil
	}
	size := x.ShmSize
	if size <= 0 {
		size = record.DefaultShmSize
	}
	if err := shm.Mount(e.c.ShmDir(c.ID), size); err != nil {
		return fmt.Errorf("/dev/shm of container %s: %w", c.Name, err)
	}
	return nil
}

// unmountShm unmounts the shareable /dev/shm, if mounted.
func (e ops) unmountShm(id string) error {
	if err := shm.Unmount(e.c.ShmDir(id)); err != nil {
		return fmt.Errorf("/dev/shm of container %s: %w", id, err)
	}
	return nil
}

// ipcShmPath is the host's /dev/shm of the container c binds at its own:
// its own shareable one, or that of the container --ipc container:NAME
// names, which must be shareable and running (dockerd's getIpcContainer);
// "" when the runtime mounts the container's own tmpfs.
func (e ops) ipcShmPath(c *record.Container) (string, error) {
	mode := c.HostConfig.IpcMode
	if mode == "shareable" {
		return e.c.ShmDir(c.ID), nil
	}
	ref, ok := strings.CutPrefix(mode, "container:")
	if !ok {
		return "", nil
	}
	msg := "can't join IPC of container " + ref
	other, err := e.c.Get(ref)
	if err != nil {
		return "", fmt.Errorf("%s: %w", msg, err)
	}
	if !other.Running() {
		return "", fmt.Errorf("%s: container %s is not running", msg, other.ID)
	}
	// Docker 20.10 refuses a donor with the default private IPC, whose
	// /dev/shm is its own mount namespace's.
	dir := e.c.ShmDir(other.ID)
	if other.HostConfig.IpcMode != "shareable" || !shm.Mounted(dir) {
		return "", errors.New(msg + ": non-shareable IPC (hint: use IpcMode:shareable for the donor container)")
	}
	return dir, nil
}

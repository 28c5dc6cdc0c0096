package cgroups

import (
	"errors"
	"fmt"
	"io/fs"
)

// NewUnused is New for a container about to be created: it refuses a
// cgroupsPath that names a cgroup already in use, as runc's create does
// (libcontainer's Create, before anything is made):
//   - one with processes in it or below it, which would share the new
//     container's limits and die with it: "container's cgroup is not
//     empty";
//   - one that is frozen, where the container's init would hang as soon
//     as it joined: "container's cgroup unexpectedly frozen".
//
// Either is refused before the caller makes or records anything, so the
// existing cgroup is left as it was.
func NewUnused(cgroupsPath, id string) (*Manager, error) {
	m, err := New(cgroupsPath, id)
	if err != nil {
		return nil, err
	}
	if err := m.checkUnused(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Manager) checkUnused() error {
	if dir := m.pidsDir(); dir != "" {
		pids, err := m.AllPids()
		if err != nil {
			return err
		}
		if n := len(pids); n > 0 {
			return fmt.Errorf("container's cgroup is not empty: %d process(es) found in %s", n, dir)
		}
	}
	if d := m.driverFor(ctrlFreezer); d != nil {
		frozen, err := d.frozen()
		// A cgroup that does not exist yet is not frozen: the kernel
		// creates new ones thawed (a frozen parent is the parent's
		// business, as for runc).
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("read the freezer state of the container's cgroup: %w", err)
		}
		if frozen {
			return errors.New("container's cgroup unexpectedly frozen")
		}
	}
	return nil
}

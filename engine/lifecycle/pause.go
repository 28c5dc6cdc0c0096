package lifecycle

import (
	"fmt"

	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/cgroups"
)

// pause freezes every process of a running container.
func (e ops) pause(ref string) error {
	return e.setFrozen(ref, true)
}

// unpause thaws a paused container.
func (e ops) unpause(ref string) error {
	return e.setFrozen(ref, false)
}

// setFrozen freezes or thaws the container's cgroup and returns once the
// kernel reports it done.
func (e ops) setFrozen(ref string, freeze bool) error {
	c, err := e.c.Get(ref)
	if err != nil {
		return err
	}
	switch {
	case freeze && c.State.Status == record.StatusPaused:
		return errdefs.NewStateError("", "container "+c.ID+" is already paused")
	case !freeze && c.State.Status != record.StatusPaused:
		return errdefs.NewStateError("", "container "+c.ID+" is not paused")
	case !c.Running():
		return errdefs.NewStateError("", "container "+c.ID+" is not running")
	}
	rc, err := e.c.LoadRuntime(c)
	if err != nil {
		return fmt.Errorf("container %s: %w", c.ID, err)
	}
	// Both runtimes place the cgroup where CgroupPaths says; runtime/cgroups
	// freezes it and waits for the kernel on v1 and v2 alike.
	if err := cgroups.Load(rc.CgroupPaths()).Freeze(freeze); err != nil {
		return fmt.Errorf("cannot pause container %s: %w", c.ID, err)
	}
	status := record.StatusRunning
	if freeze {
		status = record.StatusPaused
	}
	_, err = e.c.Records.Modify(c.ID, func(r *record.Container) error {
		if err := r.SetStatus(status); err != nil {
			return err
		}
		if freeze {
			r.State.Health.Stopped()
		}
		return nil
	})
	e.c.Emit(c, map[bool]string{true: "pause", false: "unpause"}[freeze])
	return err
}

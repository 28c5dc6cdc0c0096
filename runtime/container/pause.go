package container

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// StatePaused is runc's status of a frozen container; the OCI spec has no
// name for it.
const StatePaused Status = "paused"

// Pause freezes every process of a running container (v1 freezer.state,
// v2 cgroup.freeze); state reports "paused" until Resume.
func (c *Container) Pause() error {
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	if st := c.Status(); st != specs.StateRunning {
		return fmt.Errorf("cannot pause container %s: it is %s, not running", c.ID(), st)
	}
	if err := c.cgroup().Freeze(true); err != nil {
		return fmt.Errorf("pause container %s: %w", c.ID(), err)
	}
	return nil
}

// Resume thaws a paused container.
func (c *Container) Resume() error {
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	if st := c.Status(); st != StatePaused {
		return fmt.Errorf("cannot resume container %s: it is %s, not paused", c.ID(), st)
	}
	if err := c.cgroup().Freeze(false); err != nil {
		return fmt.Errorf("resume container %s: %w", c.ID(), err)
	}
	return nil
}

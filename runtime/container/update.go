package container

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Update changes the resources of a created, running or paused container
// in place. Only the fields set in r are written.
func (c *Container) Update(r *specs.LinuxResources) error {
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	if st := c.Status(); st == specs.StateStopped {
		return fmt.Errorf("cannot update container %s: it has stopped", c.ID())
	}
	cg := c.cgroup()
	if err := cg.Set(r); err != nil {
		return fmt.Errorf("update container %s: %w", c.ID(), err)
	}
	return nil
}

package container

import (
	"fmt"
)

// Pids lists the container's processes as the host numbers them, read
// from its cgroup.
func (c *Container) Pids() ([]int, error) {
	pids, err := c.cgroup().Pids()
	if err != nil {
		return nil, fmt.Errorf("processes of container %s: %w", c.ID(), err)
	}
	return pids, nil
}

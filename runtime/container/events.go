package container

import (
	"fmt"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/cgroups/oom"
	"github.com/berth-containers/berth/runtime/events"
)

// Event is one line of `events` output: see events.Event.
type Event = events.Event

// Stats reads the container's resource usage from its cgroup.
func (c *Container) Stats() (*cgroups.Stats, error) {
	if c.Status() == specs.StateStopped {
		return nil, fmt.Errorf("container %s is not running", c.ID())
	}
	s, err := c.cgroup().Stats()
	if err != nil {
		return nil, fmt.Errorf("stats of container %s: %w", c.ID(), err)
	}
	return s, nil
}

// Events calls emit with a stats event every interval (none if interval
// is 0) and an oom event each time the OOM killer strikes in the
// container, until the container stops or emit fails.
func (c *Container) Events(interval time.Duration, emit func(Event) error) error {
	if c.Status() == specs.StateStopped {
		return fmt.Errorf("container %s is not running", c.ID())
	}
	return events.Stream(events.Source{ID: c.ID(), Stats: c.Stats, Alive: c.state.alive, WatchOOM: func() (*oom.Watch, error) { return oom.Start(c.cgroup()) }}, interval, emit)
}

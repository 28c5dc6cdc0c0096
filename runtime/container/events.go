package container

import (
	"fmt"
	"log/slog"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/cgroups"
)

// Event is one line of `events` output, as runc prints it: type "stats"
// with the figures in data, or type "oom".
type Event struct {
	Type string         `json:"type"`
	ID   string         `json:"id"`
	Data *cgroups.Stats `json:"data,omitempty"`
}

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
	var oom <-chan struct{}
	if w, err := c.cgroup().WatchOOM(); err != nil {
		// Stats are still worth having without OOM events.
		slog.Warn("no oom events for this container", "id", c.ID(), "err", err)
	} else {
		defer func() {
			if err := w.Close(); err != nil {
				slog.Warn("stop watching oom events", "id", c.ID(), "err", err)
			}
		}()
		oom = w.C
	}
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	// The init is polled for its exit: a cgroup says nothing when it empties
	// on v1.
	alive := time.NewTicker(100 * time.Millisecond)
	defer alive.Stop()
	for {
		select {
		case _, ok := <-oom:
			if !ok {
				oom = nil
				continue
			}
			if err := emit(Event{Type: "oom", ID: c.ID()}); err != nil {
				return err
			}
		case <-tick:
			s, err := c.Stats()
			if err != nil {
				return nil // stopped in between
			}
			if err := emit(Event{Type: "stats", ID: c.ID(), Data: s}); err != nil {
				return err
			}
		case <-alive.C:
			if c.state.alive() {
				continue
			}
			// The OOM kill that ended it may still be on its way.
			grace := time.After(100 * time.Millisecond)
			for {
				select {
				case _, ok := <-oom:
					if !ok {
						return nil
					}
					if err := emit(Event{Type: "oom", ID: c.ID()}); err != nil {
						return err
					}
				case <-grace:
					return nil
				}
			}
		}
	}
}

package container

import (
	"log/slog"
	"time"

	"github.com/berth-containers/berth/runtime/reaper"
)

// Exit is how a container's process ended, in shell terms: its exit code,
// or 128+N after signal N. (reaper's, named here for the callers.)
type Exit = reaper.Exit

// Forwarder relays the runtime's signals to a container's init and reaps
// its exit: see reaper.Forwarder.
type Forwarder = reaper.Forwarder

// NewForwarder starts catching every signal: see reaper.NewForwarder.
func NewForwarder() *Forwarder { return reaper.NewForwarder() }

// Finish cleans up after a foreground run: every leftover process in the
// cgroup is killed (there are some when the container had no pid
// namespace of its own), then the container is deleted.
func (c *Container) Finish() error {
	if pids, err := c.cgroup().Pids(); err == nil && len(pids) > 0 {
		for _, p := range pids {
			sigkill(p)
		}
		for i := 0; i < 100; i++ {
			if pids, _ := c.cgroup().Pids(); len(pids) == 0 {
				break
			}
			// Reaps whatever of ours has exited; "not a child" is the
			// usual answer here (the leftovers were the init's).
			if err := reaper.ReapLeftovers(); err != nil {
				slog.Debug("reap leftovers", "id", c.ID(), "err", err)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return c.Delete(true)
}

package engine

import (
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/signals"
)

// stopSignal is the signal stop sends first: the container's, else TERM.
func (c *Container) stopSignal() unix.Signal {
	if c.Config.StopSignal != "" {
		if sig, err := signals.Parse(c.Config.StopSignal); err == nil {
			return sig
		}
	}
	return unix.SIGTERM
}

// stopTimeout is how long stop waits before SIGKILL: --stop-timeout, else
// Docker's 10 seconds.
func (c *Container) stopTimeout() int {
	if c.Config.StopTimeout != nil {
		return *c.Config.StopTimeout
	}
	return 10
}

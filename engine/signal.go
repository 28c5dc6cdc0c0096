package engine

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ParseSignal reads a signal as Docker does: KILL, SIGKILL or 9.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal: %s", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("invalid signal: %s", s)
}

// stopSignal is the signal stop sends first: the container's, else TERM.
func (c *Container) stopSignal() unix.Signal {
	if c.Config.StopSignal != "" {
		if sig, err := ParseSignal(c.Config.StopSignal); err == nil {
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

// Package lifecycle is a container's life as the user drives it: start
// (under a monitor of its own, engine/runner), a foreground run, stop,
// kill, pause and unpause, wait and rm. Each step reads the record
// through engine/core and leaves the status to the monitor and the
// record's transitions (engine/record).
package lifecycle

import (
	"context"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
)

// ops is the core seen as the container's lifecycle.
type ops struct{ c *core.Core }

// Start starts a created or exited container under a monitor of its own
// and returns once it runs. Starting a running container does nothing.
func Start(ctx context.Context, c *core.Core, ref string) (*record.Container, error) {
	return ops{c}.start(ctx, ref)
}

// RunAttached runs a container in the foreground: this process is its
// monitor, with stdio attached, and the container's exit code is returned.
func RunAttached(ctx context.Context, c *core.Core, ctr *record.Container, stdio *core.Stdio) (int, error) {
	return ops{c}.runAttached(ctx, ctr, stdio)
}

// Stop sends the stop signal, then SIGKILL after timeout seconds (<0: the
// container's own stop timeout), and waits for the exit to be recorded.
func Stop(c *core.Core, ref string, timeout int) (*record.Container, error) {
	return ops{c}.stop(ref, timeout)
}

// Kill sends sig (SIGKILL if 0) to the container's process.
func Kill(c *core.Core, ref string, sig unix.Signal) (*record.Container, error) {
	return ops{c}.kill(ref, sig)
}

// Remove deletes a container: its process (with Force), monitor, runtime
// state, cgroup, mounts, snapshot, files and record.
func Remove(ctx context.Context, c *core.Core, ref string, o RemoveOptions) error {
	return ops{c}.remove(ctx, ref, o)
}

// Wait blocks until the container is not running and returns its exit code.
func Wait(ctx context.Context, c *core.Core, ref string) (int, error) { return ops{c}.wait(ctx, ref) }

// Pause freezes every process of a running container.
func Pause(c *core.Core, ref string) error { return ops{c}.pause(ref) }

// Unpause thaws a paused container.
func Unpause(c *core.Core, ref string) error { return ops{c}.unpause(ref) }

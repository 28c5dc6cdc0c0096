package engine

import (
	"context"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/create"
	"github.com/berth-containers/berth/engine/execproc"
	"github.com/berth-containers/berth/engine/lifecycle"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/image/progress"
	"golang.org/x/sys/unix"
)

// The commands on containers as users see them, each a door to the step
// package that does it (engine/execproc, engine/lifecycle, ...).

// Exec runs a process in a running container and returns its exit code
// (engine/execproc).
func (e *Engine) Exec(ref string, o execproc.Options, stdio core.Stdio) (int, error) {
	return execproc.Exec(e.c, ref, o, stdio)
}

// Start starts a created or exited container under a monitor of its own
// (engine/lifecycle).
func (e *Engine) Start(ctx context.Context, ref string) (*record.Container, error) {
	return lifecycle.Start(ctx, e.c, ref)
}

// RunAttached runs a container in the foreground and returns its exit
// code (engine/lifecycle).
func (e *Engine) RunAttached(ctx context.Context, c *record.Container, stdio *core.Stdio) (int, error) {
	return lifecycle.RunAttached(ctx, e.c, c, stdio)
}

// Stop stops a container (engine/lifecycle).
func (e *Engine) Stop(ref string, timeout int) (*record.Container, error) {
	return lifecycle.Stop(e.c, ref, timeout)
}

// Kill sends sig (SIGKILL if 0) to the container's process.
func (e *Engine) Kill(ref string, sig unix.Signal) (*record.Container, error) {
	return lifecycle.Kill(e.c, ref, sig)
}

// Remove deletes a container (engine/lifecycle).
func (e *Engine) Remove(ctx context.Context, ref string, o lifecycle.RemoveOptions) error {
	return lifecycle.Remove(ctx, e.c, ref, o)
}

// Wait blocks until the container is not running and returns its exit code.
func (e *Engine) Wait(ctx context.Context, ref string) (int, error) {
	return lifecycle.Wait(ctx, e.c, ref)
}

// Pause freezes every process of a running container.
func (e *Engine) Pause(ref string) error { return lifecycle.Pause(e.c, ref) }

// Unpause thaws a paused container.
func (e *Engine) Unpause(ref string) error { return lifecycle.Unpause(e.c, ref) }

// Create makes a container from opts, not started (engine/create).
func (e *Engine) Create(ctx context.Context, opts options.CreateOptions, p *progress.Progress) (*record.Container, error) {
	return create.Create(ctx, e.c, opts, p)
}

package engine

import (
	"errors"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
)

// Options configure an Engine.
type Options struct {
	Root    string // /var/lib/berth: records, bundles, logs, volumes
	Runroot string // /run/berth: mounted rootfs, runtime state, sockets
	// Images is the image service; the engine opens one when nil.
	Images *image.Service
}

// Engine runs containers. It holds no long-lived resources: every method
// opens what it needs, so many berth processes can work side by side.
type Engine struct {
	c *core.Core // the roots, records, images and runtimes every step shares
	// Views of the engine that own its internal steps (groups.go).
	mon  *monitorOps
	rt   *runtimeOps
	life *lifecycleOps
	mk   *createOps
}

// New returns the engine for opts.
func New(opts Options) *Engine {
	e := &Engine{c: core.New(opts.Root, opts.Runroot, opts.Images, core.NewInUse(opts.Root))}
	e.mon, e.rt, e.life, e.mk = &monitorOps{e}, &runtimeOps{e}, &lifecycleOps{e}, &createOps{e}
	return e
}

// Get returns a container's record by name, ID or ID prefix, with its
// status checked against the running system.
func (e *Engine) Get(ref string) (*record.Container, error) { return e.c.Get(ref) }

// IsNotFound reports whether err says a container does not exist.
func IsNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

// EmitRestart logs a restart, which the CLI makes of a stop and a start.
func (e *Engine) EmitRestart(ref string) { e.c.EmitRestart(ref) }

// EmitAttach logs an attach that the Engine API serves, as dockerd logs
// each one.
func (e *Engine) EmitAttach(ref string) { e.c.EmitAttach(ref) }

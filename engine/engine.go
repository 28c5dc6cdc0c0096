package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/engine/netsetup"
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
	root, runroot string
	images        *image.Service
	db            *recordStore
	ph            *phases // debug timings of this process's steps
	// written: container ID -> the *specs.Spec its config.json was
	// written from by this process (runtimeOps.takeSpec).
	written sync.Map
	// net is the container side of networking; it holds the published
	// ports of a foreground run's container (netsetup.Setup.OwnPorts).
	net *netsetup.Setup
	// Views of the engine that own its internal steps (groups.go).
	mon  *monitorOps
	dirs *dirLayout
	rt   *runtimeOps
	life *lifecycleOps
	mk   *createOps
	ev   *eventOps
}

// New returns the engine for opts.
func New(opts Options) *Engine {
	e := &Engine{
		root:    opts.Root,
		runroot: opts.Runroot,
		images:  opts.Images,
		db:      newRecordStore(opts.Root),
		ph:      newPhases(),
	}
	e.mon, e.dirs, e.rt, e.life, e.mk, e.ev = &monitorOps{e}, &dirLayout{e}, &runtimeOps{e}, &lifecycleOps{e}, &createOps{e}, &eventOps{e}
	e.net = newNetSetup(e)
	return e
}

func (e *Engine) imageService() (*image.Service, error) {
	if e.images != nil {
		return e.images, nil
	}
	svc, err := image.New(image.Options{Root: e.root, InUse: NewInUse(e.root)})
	if err != nil {
		return nil, err
	}
	e.images = svc
	return svc, nil
}

func (e *dirLayout) containerDir(id string) string { return filepath.Join(e.root, "containers", id) }
func (e *dirLayout) runDir(id string) string       { return filepath.Join(e.runroot, "containers", id) }
func (e *dirLayout) rootfsDir(id string) string    { return filepath.Join(e.runDir(id), "rootfs") }
func (e *dirLayout) shmDir(id string) string       { return filepath.Join(e.runDir(id), "shm") }
func (e *dirLayout) runtimeRoot() string           { return filepath.Join(e.runroot, "runtime") }
func (e *dirLayout) logPath(id string) string {
	return filepath.Join(e.containerDir(id), id+"-json.log")
}

// Get returns a container's record by name, ID or ID prefix, with its
// status checked against the running system.
func (e *Engine) Get(ref string) (*Container, error) {
	c, err := e.db.get(ref)
	if err != nil {
		return nil, err
	}
	c.Refresh()
	return c, nil
}

func newID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b[:])
}

// inUse answers image.InUse from the container records.
type inUse struct{ db *recordStore }

// NewInUse returns the image.InUse of the containers under root, so that
// rmi and image prune leave images that containers use.
func NewInUse(root string) image.InUse {
	return inUse{db: newRecordStore(root)}
}

func (u inUse) ContainersUsing(_ context.Context, id digest.Digest) ([]string, error) {
	list, err := u.db.list()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range list {
		if c.ImageID == id.String() {
			out = append(out, c.ID[:12])
		}
	}
	return out, nil
}

// StatusError carries the exit code a command should end with: Docker's 125
// for berth's own failures, else the container's own. A program that could
// not be run is an ExecError instead, which cmd/berth maps to 126 or 127.
type StatusError struct {
	Code int
	Err  error
}

func (s *StatusError) Error() string {
	if s.Err == nil {
		return fmt.Sprintf("exit status %d", s.Code)
	}
	return s.Err.Error()
}

func (s *StatusError) Unwrap() error { return s.Err }

// IsNotFound reports whether err says a container does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

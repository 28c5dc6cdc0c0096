// Package core is what every step of the engine shares: the data and run
// roots and each container's directories under them, the record store,
// the image service, the container's side of networking, a container's
// handle in its runtime and its cgroup, the events it logs and the debug
// timings of a command. It holds no long-lived resources: many berth
// processes use the same roots side by side.
//
// The engine's step packages (engine/bundle, engine/runner,
// engine/lifecycle, engine/create, engine/execproc, engine/attachclient,
// engine/logs) each take a *Core; engine puts them together.
package core

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"sync"

	"github.com/berth-containers/berth/engine/dirlock"
	"github.com/berth-containers/berth/engine/netsetup"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/internal/phases"
)

// Core is the engine's shared state on one host.
type Core struct {
	Root    string // /var/lib/berth: records, bundles, logs, volumes
	Runroot string // /run/berth: mounted rootfs, runtime state, sockets
	// Records is the container store (metadata.db under Root).
	Records *store.Store
	// Net is the container side of networking; it holds the published
	// ports of a foreground run's container (netsetup.Setup.OwnPorts).
	Net *netsetup.Setup
	// InUse answers image.InUse for an image service the core opens.
	InUse  image.InUse
	images *image.Service
	ph     *phases.Timer
	// written: container ID -> the *specs.Spec this process last wrote
	// into its config.json (KeepSpec).
	written sync.Map
}

// New is the core of root and runroot; images is the image service, or
// nil to open one on first use.
func New(root, runroot string, images *image.Service, inUse image.InUse) *Core {
	c := &Core{Root: root, Runroot: runroot, Records: store.New(filepath.Join(root, "metadata.db")),
		InUse: inUse, images: images, ph: phases.New("engine")}
	c.Net = &netsetup.Setup{
		Root: root, RunRoot: runroot, Records: c.Records,
		ContainerDir: c.ContainerDir, RunDir: c.RunDir,
		Mark: c.Mark,
	}
	return c
}

// Images is the image service, opened on first use.
func (c *Core) Images() (*image.Service, error) {
	if c.images != nil {
		return c.images, nil
	}
	svc, err := image.New(image.Options{Root: c.Root, InUse: c.InUse})
	if err != nil {
		return nil, err
	}
	c.images = svc
	return svc, nil
}

// Get returns a container's record by name, ID or ID prefix, with its
// status checked against the running system.
func (c *Core) Get(ref string) (*record.Container, error) {
	r, err := c.Records.Get(ref)
	if err != nil {
		return nil, err
	}
	status := r.State.Status
	r.Refresh()
	if r.State.Status != status && r.State.ExitCode == record.ExitUnknown {
		// The record said running, and neither the init nor its monitor
		// lives: the monitor may have recorded the exit and gone between
		// the read and the check. Only a second read tells that from a
		// killed monitor (without it, a fast exit read as 255).
		again, err := c.Records.Get(r.ID)
		if err != nil {
			return nil, err
		}
		again.Refresh()
		return again, nil
	}
	return r, nil
}

// ContainerDir is <root>/containers/<id>: bundle, log, /etc files.
func (c *Core) ContainerDir(id string) string { return filepath.Join(c.Root, "containers", id) }

// RunDir is <runroot>/containers/<id>: rootfs mount point, attach socket.
func (c *Core) RunDir(id string) string { return filepath.Join(c.Runroot, "containers", id) }

// RootfsDir is where the container's root filesystem is mounted.
func (c *Core) RootfsDir(id string) string { return filepath.Join(c.RunDir(id), "rootfs") }

// ShmDir is the container's shareable /dev/shm (engine/shm).
func (c *Core) ShmDir(id string) string { return filepath.Join(c.RunDir(id), "shm") }

// RuntimeRoot is the runtime library's state root.
func (c *Core) RuntimeRoot() string { return filepath.Join(c.Runroot, "runtime") }

// LogPath is the container's json-file log.
func (c *Core) LogPath(id string) string {
	return filepath.Join(c.ContainerDir(id), id+"-json.log")
}

// MakeRunDir makes the container's directory under the run root (its
// rootfs mount point, attach socket, runtime files).
func (c *Core) MakeRunDir(id string) error { return makeStateDir(c.Runroot, id) }

// MakeContainerDir makes the container's directory under the data root
// (its bundle, log and /etc files).
func (c *Core) MakeContainerDir(id string) error { return makeStateDir(c.Root, id) }

// LockNewContainerDir makes containers/<id> and holds its create lock
// (engine/dirlock) until the record is in.
func (c *Core) LockNewContainerDir(id string) (*os.File, error) {
	return dirlock.Create(c.ContainerDir(id), func() error { return c.MakeContainerDir(id) })
}

// NewID is a container's (or a volume's, an exec's) 64-hex-digit ID.
func NewID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return hex.EncodeToString(b[:])
}

// IsContainerID: 64 lower-case hex digits, as NewID makes.
func IsContainerID(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Package container is one OCI container's lifecycle, as runc's command line
// exposes it: create, start, state, kill, delete. It knows nothing of images
// or of the engine above it.
package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/cgroups"
)

// ErrNotExist is returned for an ID with no container.
var ErrNotExist = errors.New("container does not exist")

// ErrExist is returned when creating an ID that is taken.
var ErrExist = errors.New("container with given ID already exists")

// ErrNotRunning is runc's error, word for word, for a signal to a container
// whose init has exited: containerd's shim and podman match this text to
// tell "already stopped" from a failure (StopPodSandbox depends on it).
var ErrNotRunning = errors.New("container not running")

// idChars are runc's ^[\w+.-]+$ (RE2's ASCII \w), without a regexp compiled
// at init for every command.
const idChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-"

// ValidateID applies runc's rule for container IDs.
func ValidateID(id string) error {
	if id == "" || strings.Trim(id, idChars) != "" || id == "." || id == ".." {
		return fmt.Errorf("invalid container id %q: use letters, digits, '_', '+', '-' and '.'", id)
	}
	return nil
}

// Container is a handle on one container's state directory.
type Container struct {
	root     string
	dir      string
	state    *State
	spec     *specs.Spec // config.json read once (see config)
	execSpec *specs.Spec // the part of it exec reads (see execConfig)
}

// Load opens an existing container.
func Load(root, id string) (*Container, error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	dir := filepath.Join(root, id)
	st, err := loadState(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", id, ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("load container %s: %w", id, err)
	}
	return &Container{root: root, dir: dir, state: st}, nil
}

// List loads every container under root, sorted by ID. A directory whose
// state cannot be read (a create in progress) is skipped.
func List(root string) ([]*Container, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list containers in %s: %w", root, err)
	}
	var out []*Container
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		c, err := Load(root, e.Name())
		if err != nil {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out, nil
}

// ID is the container's ID.
func (c *Container) ID() string { return c.state.ID }

// State returns the recorded state.
func (c *Container) State() State { return *c.state }

// Status works out where in its lifecycle the container is now.
func (c *Container) Status() Status {
	if !c.state.alive() {
		return specs.StateStopped
	}
	if _, err := os.Lstat(filepath.Join(c.dir, fifoName)); err == nil {
		return specs.StateCreated
	}
	if c.cgroup().Frozen() {
		return StatePaused
	}
	return specs.StateRunning
}

// OCIState is the state as `state` prints it and as hooks receive it.
func (c *Container) OCIState() specs.State {
	st := specs.State{
		Version:     specs.Version,
		ID:          c.state.ID,
		Status:      c.Status(),
		Bundle:      c.state.Bundle,
		Annotations: c.state.Annotations,
	}
	if st.Status != specs.StateStopped {
		st.Pid = c.state.InitPid
	}
	return st
}

func (c *Container) cgroup() *cgroups.Manager {
	return cgroups.Load(c.state.CgroupPaths)
}

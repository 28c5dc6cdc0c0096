package core

import (
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/ociruntime"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/runtime/container"
)

// A container's runtime is berth's own library (the default) or an OCI
// runtime binary (--runtime runc|crun|PATH, engine/ociruntime).

// Runtime is one container as its runtime holds it.
type Runtime interface {
	Start() error
	Pid() int
	Signal(sig unix.Signal, all bool) error
	Delete(force bool) error
	// Finish cleans up after the container's process exited.
	Finish() error
	CgroupPaths() map[string]string
	Spec() (*specs.Spec, error)
	Exec(proc *specs.Process, opts container.ExecOptions) (int, error)
	Update(r *specs.LinuxResources) error // update.go
}

// libContainer is berth's own runtime behind Runtime.
type libContainer struct{ *container.Container }

func (l libContainer) CgroupPaths() map[string]string { return l.State().CgroupPaths }

// LoadRuntime finds the runtime's state of a created or running container.
func (e *Core) LoadRuntime(c *record.Container) (Runtime, error) {
	if c.HostConfig.Runtime == "" || c.HostConfig.Runtime == ociruntime.Own {
		rc, err := container.Load(e.RuntimeRoot(), c.ID)
		if err != nil {
			return nil, err
		}
		return libContainer{rc}, nil
	}
	oc, err := e.ociContainer(c)
	if err != nil {
		return nil, err
	}
	if err := oc.Load(); err != nil {
		return nil, err
	}
	return oc, nil
}

// CreateRuntime creates the container, its process waiting for Start.
func (e *Core) CreateRuntime(c *record.Container, opts container.CreateOptions) (Runtime, error) {
	if c.HostConfig.Runtime == "" || c.HostConfig.Runtime == ociruntime.Own {
		// The library leaves an existing root's mode (runc's way); older
		// versions of berth made this one 0711.
		if err := statedir.Ensure(e.RuntimeRoot(), statedir.Mode); err != nil {
			return nil, err
		}
		rc, err := container.Create(e.RuntimeRoot(), c.ID, opts)
		if err != nil {
			return nil, err
		}
		return libContainer{rc}, nil
	}
	oc, err := e.ociContainer(c)
	if err != nil {
		return nil, err
	}
	if err := oc.Create(opts); err != nil {
		return nil, err
	}
	return oc, nil
}

// ociContainer is c as the OCI runtime binary it names holds it.
func (e *Core) ociContainer(c *record.Container) (*ociruntime.Container, error) {
	rt := c.HostConfig.Runtime
	oc, err := ociruntime.New(rt, filepath.Join(e.Runroot, "oci", ociruntime.StateKey(rt)), c.ID, e.ContainerDir(c.ID), e.RunDir(c.ID), CgroupsPath(c))
	if err != nil {
		return nil, err
	}
	if err := e.MakeRunDir(c.ID); err != nil {
		return nil, err
	}
	return oc, nil
}

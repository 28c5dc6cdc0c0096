package core

import (
	"path"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/rootless"
	"github.com/berth-containers/berth/runtime/cgroups"
)

// CgroupOf finds a running container's cgroup: from the runtime's state,
// or, for a container another OCI runtime runs, from the cgroups path
// berth gave it in its bundle.
func (e *Core) CgroupOf(c *record.Container) (*cgroups.Manager, error) {
	if rc, err := e.LoadRuntime(c); err == nil {
		return cgroups.Load(rc.CgroupPaths()), nil
	}
	return CgroupByPath(c)
}

// CgroupByPath is the container's cgroup found by its path alone, for
// when no runtime state is left to say where it is (a create killed half
// way, a stale container at boot, another runtime's container). A
// rootless container's is under the user's delegated subtree, where
// rootless.Spec put it.
func CgroupByPath(c *record.Container) (*cgroups.Manager, error) {
	return cgroups.New(rootless.CgroupsPath(CgroupsPath(c)), c.ID)
}

// CgroupsPath is the container's linux.cgroupsPath, the one place it is
// spelled: the spec gives it to the runtime, and top, rm and an external
// runtime's pause find the cgroup by it when no runtime state is left.
// --cgroup-parent puts it under another cgroup, as dockerd's cgroupfs
// driver does (a relative parent is taken from the root too).
func CgroupsPath(c *record.Container) string {
	if p := c.HostConfig.CgroupParent; p != "" {
		return path.Join("/", p, c.ID)
	}
	return "/berth/" + c.ID
}

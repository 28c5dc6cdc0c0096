package engine

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/user"
)

// extraSpec applies ExtraHostConfig and the Config fields that go with it
// to the spec buildSpec made.
func (e *runtimeOps) extraSpec(s *specs.Spec, c *Container, rootfs string) error {
	x := c.HostConfig.ExtraHostConfig
	s.Domainname = c.Config.Domainname
	if err := e.shareNamespace(s, specs.PIDNamespace, "pid", x.PidMode); err != nil {
		return err
	}
	if err := e.shareNamespace(s, specs.IPCNamespace, "ipc", x.IpcMode); err != nil {
		return err
	}
	if x.UTSMode == "host" {
		dropNamespace(s, specs.UTSNamespace)
		s.Hostname, s.Domainname = "", ""
	}
	if x.CgroupnsMode == "private" {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	shmMount(s, x)
	if len(x.Sysctls) > 0 {
		s.Linux.Sysctl = x.Sysctls
	}
	gids, err := user.Groups(rootfs, x.GroupAdd)
	if err != nil {
		return err
	}
	s.Process.User.AdditionalGids = append(s.Process.User.AdditionalGids, gids...)
	if x.OomScoreAdj != 0 {
		adj := x.OomScoreAdj
		s.Process.OOMScoreAdj = &adj
	}
	extraResourceSpec(s.Linux.Resources, x)
	deviceSpec(s, x.DeviceHostConfig)
	return nil
}

func dropNamespace(s *specs.Spec, t specs.LinuxNamespaceType) {
	s.Linux.Namespaces = slices.DeleteFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool { return ns.Type == t })
}

// shareNamespace applies --pid or --ipc host (no namespace of its own) or
// container:ID (the other one's, which must be running).
func (e *runtimeOps) shareNamespace(s *specs.Spec, t specs.LinuxNamespaceType, name, mode string) error {
	switch {
	case mode == "host":
		dropNamespace(s, t)
	case strings.HasPrefix(mode, "container:"):
		pid, err := e.runningPid(name, strings.TrimPrefix(mode, "container:"))
		if err != nil {
			return err
		}
		dropNamespace(s, t)
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: t, Path: fmt.Sprintf("/proc/%d/ns/%s", pid, name)})
	}
	return nil
}

// runningPid is the pid of the container whose namespace another joins.
func (e *runtimeOps) runningPid(what, ref string) (int, error) {
	other, err := e.Get(ref)
	if err != nil {
		return 0, fmt.Errorf("joining %s namespace of container %s: %w", what, ref, err)
	}
	if !other.Running() {
		return 0, fmt.Errorf("cannot join %s namespace of a non running container: %s", what, other.ID)
	}
	return other.State.Pid, nil
}

// shmMount sizes /dev/shm (--shm-size), or with --ipc host binds the
// host's, or with --ipc none leaves it out. With --ipc container:ID the
// IPC namespace (SysV IPC, mqueues) is shared but /dev/shm stays the
// container's own: the other's tmpfs lives in another mount namespace,
// which the kernel does not let a bind mount reach (EINVAL).
func shmMount(s *specs.Spec, x ExtraHostConfig) {
	i := slices.IndexFunc(s.Mounts, func(m specs.Mount) bool { return m.Destination == "/dev/shm" })
	if i < 0 {
		return
	}
	m := &s.Mounts[i]
	switch {
	case x.IpcMode == "none":
		s.Mounts = slices.Delete(s.Mounts, i, i+1)
	case x.IpcMode == "host":
		*m = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: "/dev/shm", Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
	case x.ShmSize > 0:
		for j, o := range m.Options {
			if strings.HasPrefix(o, "size=") {
				m.Options[j] = fmt.Sprintf("size=%d", x.ShmSize)
			}
		}
	}
}

// extraResourceSpec adds the memory settings only create sets (swappiness,
// the OOM killer) to r; moreResources adds those update can change too.
func extraResourceSpec(r *specs.LinuxResources, x ExtraHostConfig) {
	if x.MemorySwappiness == nil && !x.OomKillDisable {
		return
	}
	if r.Memory == nil {
		r.Memory = &specs.LinuxMemory{}
	}
	if x.MemorySwappiness != nil {
		v := uint64(*x.MemorySwappiness)
		r.Memory.Swappiness = &v
	}
	if x.OomKillDisable {
		t := true
		r.Memory.DisableOOMKiller = &t
	}
}

package specgen

import (
	"fmt"
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/record"
)

// networkNamespace points the spec's network namespace at the
// container's: none (host), or path (berth's pinned one, or another
// container's). Mode none keeps the runtime's new, empty one.
func networkNamespace(s *specs.Spec, mode, path string) {
	if mode == "none" {
		return
	}
	var nss []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != specs.NetworkNamespace {
			nss = append(nss, ns)
		}
	}
	if mode != "host" {
		nss = append(nss, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: path})
	}
	s.Linux.Namespaces = nss
}

// extraSpec applies ExtraHostConfig and the Config fields that go with it.
func extraSpec(s *specs.Spec, c *record.Container, h Host) error {
	x := c.HostConfig.ExtraHostConfig
	s.Domainname = c.Config.Domainname
	if err := shareNamespace(s, specs.PIDNamespace, x.PidMode, h.NamespacePaths); err != nil {
		return err
	}
	if err := shareNamespace(s, specs.IPCNamespace, x.IpcMode, h.NamespacePaths); err != nil {
		return err
	}
	if x.UTSMode == "host" {
		dropNamespace(s, specs.UTSNamespace)
		s.Hostname, s.Domainname = "", ""
	}
	if x.CgroupnsMode == "private" {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	}
	shmMount(s, x, h.ShmPath)
	if len(x.Sysctls) > 0 {
		s.Linux.Sysctl = x.Sysctls
	}
	s.Process.User.AdditionalGids = append(s.Process.User.AdditionalGids, h.GroupAdd...)
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
// container:ID (the other one's, whose path the engine found).
func shareNamespace(s *specs.Spec, t specs.LinuxNamespaceType, mode string, paths map[specs.LinuxNamespaceType]string) error {
	switch {
	case mode == "host":
		dropNamespace(s, t)
	case strings.HasPrefix(mode, "container:"):
		path, ok := paths[t]
		if !ok {
			return fmt.Errorf("%s namespace of %s: no path given", t, mode)
		}
		dropNamespace(s, t)
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: t, Path: path})
	}
	return nil
}

// shmMount sizes /dev/shm (--shm-size), or with --ipc host binds the
// host's, or with --ipc none leaves it out. With --ipc shareable and
// container:ID it binds shmPath, the tmpfs the engine mounted on the host
// for the shareable container, as dockerd binds the owner's ShmPath.
func shmMount(s *specs.Spec, x record.ExtraHostConfig, shmPath string) {
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
	case shmPath != "":
		*m = specs.Mount{Destination: "/dev/shm", Type: "bind", Source: shmPath, Options: []string{"rbind", "nosuid", "noexec", "nodev"}}
	case x.ShmSize > 0:
		for j, o := range m.Options {
			if strings.HasPrefix(o, "size=") {
				m.Options[j] = fmt.Sprintf("size=%d", x.ShmSize)
			}
		}
	}
}

package bundle

import (
	"fmt"
	"os"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/specgen"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/rootless"
	"github.com/berth-containers/berth/runtime/user"
)

// buildSpec makes the container's config.json: engine/specgen's, from the
// record and what hostFacts finds on this host. An empty volume is then
// filled from the image's content at its mount point, as Docker does:
// only once the spec is known to be good, as before the split.
func (e ops) buildSpec(c *record.Container, rootfs string) (*specs.Spec, error) {
	h, err := e.hostFacts(c, rootfs)
	if err != nil {
		return nil, err
	}
	s, err := specgen.Generate(c, h)
	if err != nil {
		return nil, err
	}
	if err := fillVolumes(rootfs, c.HostConfig.Mounts); err != nil {
		return nil, err
	}
	return s, rootless.Spec(s, c.HostConfig.UsernsMode)
}

// hostFacts finds what the spec takes from outside the record: the user
// and groups in the image, the devices and bounding set of this host, the
// namespaces of the containers this one joins, its /etc files. Docker
// creates a missing working directory, so this does too.
func (e ops) hostFacts(c *record.Container, rootfs string) (specgen.Host, error) {
	hc := c.HostConfig
	h := specgen.Host{Rootfs: rootfs, CgroupsPath: core.CgroupsPath(c), CapBound: capBound()}
	if c.Config.WorkingDir != "" {
		cwd := specgen.Cwd(c.Config.WorkingDir)
		if dir, err := securejoin.SecureJoin(rootfs, cwd); err == nil {
			// The container's users enter it, whatever berth's umask.
			if err := statedir.MkdirAll(dir, 0o755); err != nil {
				return h, fmt.Errorf("create working directory %s: %w", cwd, err)
			}
		}
	}
	var err error
	if h.User, err = containerUser(rootfs, c.Config.User); err != nil {
		return h, err
	}
	if h.NetNSPath, err = e.netNSPath(c); err != nil {
		return h, err
	}
	if hc.Privileged {
		h.HostDevices = hostDevices()
	}
	for _, d := range hc.Devices {
		host, ctr, _ := specgen.ParseDevice(d)
		dev, err := hostDevice(host, ctr)
		if err != nil {
			return h, err
		}
		h.Devices = append(h.Devices, dev)
	}
	for _, ns := range []struct {
		t          specs.LinuxNamespaceType
		name, mode string
	}{{specs.PIDNamespace, "pid", hc.PidMode}, {specs.IPCNamespace, "ipc", hc.IpcMode}} {
		if ref, ok := strings.CutPrefix(ns.mode, "container:"); ok {
			pid, err := e.runningPid(ns.name, ref)
			if err != nil {
				return h, err
			}
			if h.NamespacePaths == nil {
				h.NamespacePaths = map[specs.LinuxNamespaceType]string{}
			}
			h.NamespacePaths[ns.t] = fmt.Sprintf("/proc/%d/ns/%s", pid, ns.name)
		}
	}
	if h.ShmPath, err = e.ipcShmPath(c); err != nil {
		return h, err
	}
	if h.GroupAdd, err = user.Groups(rootfs, hc.GroupAdd); err != nil {
		return h, err
	}
	etc := &specs.Spec{}
	if err := e.c.Net.AddEtcMounts(etc, c); err != nil {
		return h, err
	}
	h.EtcMounts = etc.Mounts
	if hc.Init {
		if h.InitBinary, err = os.Executable(); err != nil {
			return h, fmt.Errorf("find berth for --init: %w", err)
		}
	}
	return h, nil
}

// netNSPath is the network namespace the container joins: berth's pinned
// one, or that of the container --network container:ID names; none for
// modes none and host.
func (e ops) netNSPath(c *record.Container) (string, error) {
	switch mode := c.HostConfig.NetworkMode; {
	case mode == "none" || mode == "host":
		return "", nil
	case strings.HasPrefix(mode, "container:"):
		return e.c.Net.SharedNetNS(strings.TrimPrefix(mode, "container:"))
	default:
		return e.c.Net.NetNSPath(c.ID), nil
	}
}

// runningPid is the pid of the container whose namespace another joins.
func (e ops) runningPid(what, ref string) (int, error) {
	other, err := e.c.Get(ref)
	if err != nil {
		return 0, fmt.Errorf("joining %s namespace of container %s: %w", what, ref, err)
	}
	if !other.Running() {
		return 0, fmt.Errorf("cannot join %s namespace of a non running container: %s", what, other.ID)
	}
	return other.State.Pid, nil
}

// containerUser resolves -u as dockerd does: runc's rules (user.Parse),
// then the primary group first among the supplementary ones, so that
// `id` shows groups= and a process keeps its group after setgroups.
func containerUser(rootfs, spec string) (specs.User, error) {
	u, err := user.Parse(rootfs, spec)
	if err != nil {
		return u, fmt.Errorf("unable to find user %s: %w", spec, err)
	}
	u.AdditionalGids = append([]uint32{u.GID}, u.AdditionalGids...)
	return u, nil
}

// Package specgen makes a container's OCI spec (config.json) from its
// record: runc's defaults (runtime/spec), then the image's config and the
// user's flags as the record keeps them, mapped the way Docker maps them.
//
// It is pure: what the spec needs from outside the record (the rootfs
// path, the cgroup, -u resolved in the image's /etc/passwd, device nodes
// of the host, the namespaces of other containers, the /etc files) comes
// in as Host, which the engine fills in. The same record and Host give the
// same spec, so a table of records in and assertions on specs out is a
// test of everything here.
package specgen

import (
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/caps"
	"github.com/berth-containers/berth/runtime/spec"
)

// DefaultPath is Docker's PATH, first in every container's environment
// and for an image that sets none.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// InitPath is where --init binds berth's own init, as Docker binds
// docker-init.
const InitPath = "/sbin/berth-init"

// Host is what a container's spec takes from outside its record.
type Host struct {
	// Rootfs is the container's root filesystem, mounted.
	Rootfs string
	// CgroupsPath is linux.cgroupsPath.
	CgroupsPath string
	// User is the process's user: -u resolved in the image.
	User specs.User
	// GroupAdd are --group-add's groups resolved in the image.
	GroupAdd []uint32
	// CapBound is berth's own bounding set (CapBnd of /proc/self/status),
	// which --privileged and --cap-add ALL are kept within; nil when it
	// could not be read, which keeps every capability.
	CapBound *caps.Set
	// NetNSPath is the network namespace the container joins: berth's
	// pinned one, or another container's. Unused for modes none and host.
	NetNSPath string
	// NamespacePaths are the namespaces of the containers that --pid and
	// --ipc container:ID name, by type: /proc/PID/ns/pid and so on.
	NamespacePaths map[specs.LinuxNamespaceType]string
	// ShmPath is the host's tmpfs bound at /dev/shm for --ipc shareable
	// (the container's own) and --ipc container:ID (the other's); "" keeps
	// the tmpfs the runtime mounts.
	ShmPath string
	// Devices are the host's nodes of HostConfig.Devices, one for each in
	// its order, at their paths in the container (ParseDevice).
	Devices []specs.LinuxDevice
	// HostDevices are the host's device nodes a --privileged container
	// gets.
	HostDevices []specs.LinuxDevice
	// EtcMounts bind the container's /etc/hostname, hosts and
	// resolv.conf.
	EtcMounts []specs.Mount
	// InitBinary is the program --init binds at InitPath.
	InitBinary string
}

// Generate makes the spec of container c. The order is the one the spec
// has always been built in, as later steps undo earlier ones (--privileged
// drops the masked paths, --ipc host the /dev/shm tmpfs).
func Generate(c *record.Container, h Host) (*specs.Spec, error) {
	hc := c.HostConfig
	s := spec.Default()
	s.Root = &specs.Root{Path: h.Rootfs, Readonly: hc.ReadonlyRootfs}
	s.Hostname = c.Config.Hostname
	p := s.Process
	p.Terminal = c.Config.Tty
	p.Args = c.Argv()
	// dockerd's order: PATH, HOSTNAME and TERM first, then the image's
	// and -e's variables, which replace them.
	own := []string{DefaultPath, "HOSTNAME=" + c.Config.Hostname}
	if c.Config.Tty {
		own = append(own, "TERM=xterm")
	}
	p.Env = options.MergeEnv(own, c.Config.Env)
	p.Cwd = Cwd(c.Config.WorkingDir)
	p.User = h.User
	p.NoNewPrivileges = false
	p.Rlimits = nil // inherit the engine's, as Docker does
	for _, ul := range hc.Ulimits {
		name := "RLIMIT_" + strings.ToUpper(ul.Name)
		if _, ok := spec.Rlimit(name); !ok {
			return nil, fmt.Errorf("invalid ulimit type: %s", ul.Name)
		}
		p.Rlimits = append(p.Rlimits, specs.POSIXRlimit{Type: name, Soft: uint64(ul.Soft), Hard: uint64(ul.Hard)})
	}
	capList := capabilities(hc, h.CapBound)
	p.Capabilities = &specs.LinuxCapabilities{Bounding: capList, Permitted: capList, Effective: capList}
	if err := securityOpts(s, hc.SecurityOpt); err != nil {
		return nil, err
	}
	if err := seccompProfile(s, hc); err != nil {
		return nil, err
	}
	s.Linux.CgroupsPath = h.CgroupsPath
	s.Linux.Resources = resources(hc)
	networkNamespace(s, hc.NetworkMode, h.NetNSPath)
	if hc.Privileged {
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		s.Linux.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
		s.Linux.Devices = append(s.Linux.Devices, h.HostDevices...)
		for i := range s.Mounts {
			if s.Mounts[i].Destination == "/sys" || s.Mounts[i].Destination == "/sys/fs/cgroup" {
				s.Mounts[i].Options = removeOpt(s.Mounts[i].Options, "ro")
			}
		}
	}
	if err := devices(s, hc.Devices, h.Devices); err != nil {
		return nil, err
	}
	if err := extraSpec(s, c, h); err != nil {
		return nil, err
	}
	s.Mounts = append(s.Mounts, h.EtcMounts...)
	s.Mounts = append(s.Mounts, userMounts(hc.Mounts)...)
	if hc.Init {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: InitPath, Type: "bind", Source: h.InitBinary,
			Options: []string{"bind", "ro", "nosuid", "nodev"}})
		p.Args = append([]string{InitPath, "--"}, p.Args...)
	}
	return s, nil
}

// Cwd is the process's working directory for the image's or -w's: "/"
// when none is set.
func Cwd(workingDir string) string {
	if workingDir == "" {
		return "/"
	}
	return filepath.Clean("/" + workingDir)
}

func removeOpt(opts []string, o string) []string {
	var out []string
	for _, x := range opts {
		if x != o {
			out = append(out, x)
		}
	}
	return out
}

// securityOpts applies --security-opt.
func securityOpts(s *specs.Spec, opts []string) error {
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		if k == "no-new-privileges" && (v == "" || v == "true") {
			s.Process.NoNewPrivileges = true
			continue
		}
		if k == "no-new-privileges" && v == "false" {
			continue
		}
		if k == "seccomp" && v != "" || o == "label=disable" {
			continue // seccompProfile; label=disable: no SELinux here
		}
		return fmt.Errorf("invalid --security-opt: %q (use no-new-privileges, seccomp=FILE or seccomp=unconfined)", o)
	}
	return nil
}

// ParseDevice splits --device HOST[:CONTAINER[:PERMS]]: the container
// path is the host's unless given, the permissions rwm.
func ParseDevice(d string) (host, ctr, perms string) {
	parts := strings.Split(d, ":")
	host, ctr, perms = parts[0], parts[0], "rwm"
	if len(parts) > 1 && parts[1] != "" {
		ctr = parts[1]
	}
	if len(parts) > 2 {
		perms = parts[2]
	}
	return host, ctr, perms
}

// devices adds --device's nodes and lets the cgroup allow them.
func devices(s *specs.Spec, list []string, nodes []specs.LinuxDevice) error {
	if len(nodes) != len(list) {
		return fmt.Errorf("devices: %d host nodes for %d --device flags", len(nodes), len(list))
	}
	for i, d := range list {
		_, _, perms := ParseDevice(d)
		dev := nodes[i]
		s.Linux.Devices = append(s.Linux.Devices, dev)
		maj, min := dev.Major, dev.Minor
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices,
			specs.LinuxDeviceCgroup{Allow: true, Type: dev.Type, Major: &maj, Minor: &min, Access: perms})
	}
	return nil
}

// userMounts are -v, --mount and --tmpfs as the spec's mounts: binds
// rprivate unless a propagation was given, tmpfs nosuid, nodev and
// noexec before the user's options.
func userMounts(list []record.Mount) []specs.Mount {
	var out []specs.Mount
	for _, m := range list {
		prop := m.Propagation
		if prop == "" {
			prop = "rprivate"
		}
		opts := []string{"rbind", prop}
		if m.ReadOnly {
			opts = append(opts, "ro")
		}
		if m.Type == "tmpfs" {
			topts := []string{"nosuid", "nodev", "noexec"}
			if m.Options != "" {
				topts = append(topts, strings.Split(m.Options, ",")...)
			}
			if m.ReadOnly {
				topts = append(topts, "ro")
			}
			out = append(out, specs.Mount{Destination: m.Destination, Type: "tmpfs", Source: "tmpfs", Options: topts})
			continue
		}
		out = append(out, specs.Mount{Destination: m.Destination, Type: "bind", Source: m.Source, Options: opts})
	}
	return out
}

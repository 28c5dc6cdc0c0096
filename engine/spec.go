package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/rootless"
	"github.com/berth-containers/berth/runtime/spec"
	"github.com/berth-containers/berth/runtime/user"
)

// dockerCaps is Docker's default capability set.
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// allCaps is every capability the running kernel knows, for --privileged
// and --cap-add ALL.
func allCaps() []string {
	names := []string{"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
		"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
		"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
		"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
		"AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
		"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "CAP_" + n
	}
	return out
}

func capName(s string) string {
	s = strings.ToUpper(s)
	if s != "ALL" && !strings.HasPrefix(s, "CAP_") {
		s = "CAP_" + s
	}
	return s
}

// capabilities applies --cap-add and --cap-drop to Docker's defaults.
func capabilities(hc HostConfig) []string {
	if hc.Privileged {
		return boundedCaps(allCaps())
	}
	set := map[string]bool{}
	for _, c := range dockerCaps {
		set[c] = true
	}
	for _, d := range hc.CapDrop {
		if capName(d) == "ALL" {
			set = map[string]bool{}
			continue
		}
		delete(set, capName(d))
	}
	for _, a := range hc.CapAdd {
		if capName(a) == "ALL" {
			for _, c := range boundedCaps(allCaps()) {
				set[c] = true
			}
			continue
		}
		set[capName(a)] = true
	}
	var out []string
	for _, c := range allCaps() {
		if set[c] {
			out = append(out, c)
		}
	}
	return out
}

// buildSpec makes the container's config.json: runc's defaults, then the
// image's config and the user's flags, the way Docker maps them.
func (e *runtimeOps) buildSpec(c *Container, rootfs string) (*specs.Spec, error) {
	s := spec.Default()
	s.Root = &specs.Root{Path: rootfs, Readonly: c.HostConfig.ReadonlyRootfs}
	s.Hostname = c.Config.Hostname
	p := s.Process
	p.Terminal = c.Config.Tty
	p.Args = c.Argv()
	// dockerd's order: PATH, HOSTNAME and TERM first, then the image's
	// and -e's variables, which replace them.
	own := []string{defaultPath, "HOSTNAME=" + c.Config.Hostname}
	if c.Config.Tty {
		own = append(own, "TERM=xterm")
	}
	p.Env = options.MergeEnv(own, c.Config.Env)
	p.Cwd = "/"
	if c.Config.WorkingDir != "" {
		p.Cwd = filepath.Clean("/" + c.Config.WorkingDir)
		// Docker creates a missing working directory.
		if dir, err := securejoin.SecureJoin(rootfs, p.Cwd); err == nil {
			// The container's users enter it, whatever berth's umask.
			if err := statedir.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create working directory %s: %w", p.Cwd, err)
			}
		}
	}
	var err error
	if p.User, err = containerUser(rootfs, c.Config.User); err != nil {
		return nil, err
	}
	p.NoNewPrivileges = false
	p.Rlimits = nil // inherit the engine's, as Docker does
	for _, ul := range c.HostConfig.Ulimits {
		name := "RLIMIT_" + strings.ToUpper(ul.Name)
		if _, ok := spec.Rlimit(name); !ok {
			return nil, fmt.Errorf("invalid ulimit type: %s", ul.Name)
		}
		p.Rlimits = append(p.Rlimits, specs.POSIXRlimit{Type: name, Soft: uint64(ul.Soft), Hard: uint64(ul.Hard)})
	}
	caps := capabilities(c.HostConfig)
	p.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Permitted: caps, Effective: caps}
	if err := securityOpts(s, c.HostConfig.SecurityOpt); err != nil {
		return nil, err
	}
	if err := seccompProfile(s, c.HostConfig); err != nil {
		return nil, err
	}
	s.Linux.CgroupsPath = cgroupsPath(c)
	s.Linux.Resources = resources(c.HostConfig)
	if err := e.Network().spec(s, c); err != nil {
		return nil, err
	}
	if c.HostConfig.Privileged {
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		s.Linux.Resources.Devices = []specs.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
		s.Linux.Devices = append(s.Linux.Devices, hostDevices()...)
		for i := range s.Mounts {
			if s.Mounts[i].Destination == "/sys" || s.Mounts[i].Destination == "/sys/fs/cgroup" {
				s.Mounts[i].Options = removeOpt(s.Mounts[i].Options, "ro")
			}
		}
	}
	if err := devices(s, c.HostConfig.Devices); err != nil {
		return nil, err
	}
	if err := e.extraSpec(s, c, rootfs); err != nil {
		return nil, err
	}
	if err := e.addMounts(s, c); err != nil {
		return nil, err
	}
	if c.HostConfig.Init {
		initPath, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find berth for --init: %w", err)
		}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: InitPath, Type: "bind", Source: initPath,
			Options: []string{"bind", "ro", "nosuid", "nodev"}})
		p.Args = append([]string{InitPath, "--"}, p.Args...)
	}
	return s, rootless.Spec(s, c.HostConfig.UsernsMode)
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

// defaultSwap is dockerd's swap for -m without --memory-swap: as much
// swap as memory (memory+swap twice the memory), or unlimited (-1) where
// the kernel cannot limit swap, which the runtime would refuse. root is
// where cgroups are mounted.
func defaultSwap(root string, memory int64) int64 {
	if _, err := os.Stat(filepath.Join(root, "memory", "memory.memsw.limit_in_bytes")); err == nil {
		return 2 * memory
	}
	data, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil || !slices.Contains(strings.Fields(string(data)), "memory") {
		return -1
	}
	// cgroup v2: the cgroups below the root have memory.swap.max when
	// the kernel accounts swap. With none to look at yet, trust the
	// memory controller, as dockerd does.
	limited, _ := filepath.Glob(filepath.Join(root, "*", "memory.max"))
	swap, _ := filepath.Glob(filepath.Join(root, "*", "memory.swap.max"))
	if len(limited) > 0 && len(swap) == 0 {
		return -1
	}
	return 2 * memory
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

func resources(hc HostConfig) *specs.LinuxResources {
	r := &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}
	if hc.Memory > 0 {
		m := hc.Memory
		r.Memory = &specs.LinuxMemory{Limit: &m}
		if hc.MemorySwap != 0 {
			sw := hc.MemorySwap
			r.Memory.Swap = &sw
		}
	}
	if hc.NanoCPUs > 0 || hc.CPUShares > 0 || hc.CpusetCpus != "" {
		r.CPU = &specs.LinuxCPU{Cpus: hc.CpusetCpus}
		if hc.CPUShares > 0 {
			sh := uint64(hc.CPUShares)
			r.CPU.Shares = &sh
		}
		if hc.NanoCPUs > 0 {
			period := uint64(100000)
			quota := hc.NanoCPUs * int64(period) / 1e9
			r.CPU.Period, r.CPU.Quota = &period, &quota
		}
	}
	if hc.PidsLimit > 0 {
		lim := hc.PidsLimit
		r.Pids = &specs.LinuxPids{Limit: &lim}
	}
	moreResources(r, hc.MoreResources)
	return r
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

// devices adds --device HOST[:CONTAINER[:PERMS]].
func devices(s *specs.Spec, list []string) error {
	for _, d := range list {
		parts := strings.Split(d, ":")
		host, ctr, perms := parts[0], parts[0], "rwm"
		if len(parts) > 1 && parts[1] != "" {
			ctr = parts[1]
		}
		if len(parts) > 2 {
			perms = parts[2]
		}
		dev, err := hostDevice(host, ctr)
		if err != nil {
			return err
		}
		s.Linux.Devices = append(s.Linux.Devices, dev)
		maj, min := dev.Major, dev.Minor
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices,
			specs.LinuxDeviceCgroup{Allow: true, Type: dev.Type, Major: &maj, Minor: &min, Access: perms})
	}
	return nil
}

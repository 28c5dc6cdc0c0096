package specgen

import (
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/caps"
)

// base is a container as create records one: busybox's sh, bridge
// network, no limits.
func base() *record.Container {
	return &record.Container{ID: "c0ffee", Config: record.Config{Hostname: "c0ffee", Cmd: []string{"sh"}, Env: []string{"A=1"}},
		HostConfig: record.HostConfig{NetworkMode: "bridge", ExtraHostConfig: record.ExtraHostConfig{IpcMode: "private", ShmSize: 64 << 20}}}
}

func baseHost() Host {
	return Host{Rootfs: "/run/rootfs", CgroupsPath: "/berth/c0ffee", NetNSPath: "/run/netns/c0ffee"}
}

func mount(s *specs.Spec, dst string) *specs.Mount {
	for i := range s.Mounts {
		if s.Mounts[i].Destination == dst {
			return &s.Mounts[i]
		}
	}
	return nil
}

func namespace(s *specs.Spec, t specs.LinuxNamespaceType) *specs.LinuxNamespace {
	for i := range s.Linux.Namespaces {
		if s.Linux.Namespaces[i].Type == t {
			return &s.Linux.Namespaces[i]
		}
	}
	return nil
}

func without(list []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(list), func(s string) bool { return slices.Contains(drop, s) })
}

func TestGenerate(t *testing.T) {
	noSysResource := caps.Set(^uint64(0) &^ (1 << 24)) // CAP_SYS_RESOURCE is 24
	for _, tc := range []struct {
		name  string
		edit  func(c *record.Container, h *Host)
		check func(t *testing.T, s *specs.Spec)
	}{
		{"defaults", nil, func(t *testing.T, s *specs.Spec) {
			if s.Root.Path != "/run/rootfs" || s.Root.Readonly || s.Linux.CgroupsPath != "/berth/c0ffee" || s.Hostname != "c0ffee" {
				t.Errorf("root %+v, cgroup %q, hostname %q", s.Root, s.Linux.CgroupsPath, s.Hostname)
			}
			if want := []string{DefaultPath, "HOSTNAME=c0ffee", "A=1"}; !slices.Equal(s.Process.Env, want) {
				t.Errorf("env %q, want %q", s.Process.Env, want)
			}
			if s.Process.Cwd != "/" || !slices.Equal(s.Process.Args, []string{"sh"}) || s.Process.Terminal || s.Process.NoNewPrivileges || s.Process.Rlimits != nil {
				t.Errorf("process %+v", s.Process)
			}
			c := s.Process.Capabilities
			if len(c.Bounding) != len(dockerCaps) || !slices.Equal(c.Bounding, c.Effective) || !slices.Equal(c.Bounding, c.Permitted) {
				t.Errorf("caps %v, want Docker's %d", c.Bounding, len(dockerCaps))
			}
			if s.Linux.Seccomp == nil || len(s.Linux.MaskedPaths) == 0 || len(s.Linux.ReadonlyPaths) == 0 {
				t.Errorf("seccomp %v, masked %v, readonly %v: want Docker's confinement", s.Linux.Seccomp != nil, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
			}
			if d := s.Linux.Resources.Devices; len(d) != 1 || d[0].Allow || d[0].Access != "rwm" {
				t.Errorf("device cgroup %+v, want deny all", d)
			}
			if r := s.Linux.Resources; r.Memory != nil || r.CPU != nil || r.Pids != nil || r.BlockIO != nil {
				t.Errorf("resources %+v, want none", r)
			}
			if ns := namespace(s, specs.NetworkNamespace); ns == nil || ns.Path != "/run/netns/c0ffee" {
				t.Errorf("network namespace %+v, want the pinned one", ns)
			}
			if m := mount(s, "/dev/shm"); m == nil || !slices.Contains(m.Options, "size=67108864") {
				t.Errorf("/dev/shm %+v, want 64m", m)
			}
			if namespace(s, specs.CgroupNamespace) != nil {
				t.Error("a cgroup namespace without --cgroupns private")
			}
		}},
		{"tty, workdir, user, read-only", func(c *record.Container, h *Host) {
			c.Config.Tty, c.Config.WorkingDir, c.HostConfig.ReadonlyRootfs = true, "app/../srv", true
			h.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{1000}}
		}, func(t *testing.T, s *specs.Spec) {
			if !s.Process.Terminal || !slices.Contains(s.Process.Env, "TERM=xterm") || s.Process.Cwd != "/srv" || !s.Root.Readonly {
				t.Errorf("terminal %v env %q cwd %q readonly %v", s.Process.Terminal, s.Process.Env, s.Process.Cwd, s.Root.Readonly)
			}
			if s.Process.User.UID != 1000 || !slices.Equal(s.Process.User.AdditionalGids, []uint32{1000}) {
				t.Errorf("user %+v", s.Process.User)
			}
		}},
		{"-e replaces the engine's variables", func(c *record.Container, _ *Host) {
			c.Config.Env = []string{"PATH=/x", "HOSTNAME=h"}
		}, func(t *testing.T, s *specs.Spec) {
			if want := []string{"PATH=/x", "HOSTNAME=h"}; !slices.Equal(s.Process.Env, want) {
				t.Errorf("env %q, want %q", s.Process.Env, want)
			}
		}},
		{"privileged", func(c *record.Container, h *Host) {
			c.HostConfig.Privileged = true
			c.HostConfig.SecurityOpt = []string{"label=disable"}
			h.CapBound = &noSysResource
			h.HostDevices = []specs.LinuxDevice{{Path: "/dev/sda", Type: "b", Major: 8}}
		}, func(t *testing.T, s *specs.Spec) {
			if want := without(AllCaps(), "CAP_SYS_RESOURCE"); !slices.Equal(s.Process.Capabilities.Bounding, want) {
				t.Errorf("caps %v, want all the bounding set has", s.Process.Capabilities.Bounding)
			}
			if s.Linux.Seccomp != nil || s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil {
				t.Errorf("seccomp %v masked %v readonly %v, want none", s.Linux.Seccomp != nil, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths)
			}
			if d := s.Linux.Resources.Devices; len(d) != 1 || !d[0].Allow || d[0].Access != "rwm" {
				t.Errorf("device cgroup %+v, want allow all", d)
			}
			if !slices.ContainsFunc(s.Linux.Devices, func(d specs.LinuxDevice) bool { return d.Path == "/dev/sda" }) {
				t.Errorf("devices %+v lack the host's", s.Linux.Devices)
			}
			for _, dst := range []string{"/sys", "/sys/fs/cgroup"} {
				if m := mount(s, dst); m == nil || slices.Contains(m.Options, "ro") {
					t.Errorf("%s %+v, want read-write", dst, m)
				}
			}
		}},
		{"cap-drop ALL, cap-add one", func(c *record.Container, _ *Host) {
			c.HostConfig.CapDrop, c.HostConfig.CapAdd = []string{"all"}, []string{"net_admin"}
		}, func(t *testing.T, s *specs.Spec) {
			if got := s.Process.Capabilities.Bounding; !slices.Equal(got, []string{"CAP_NET_ADMIN"}) {
				t.Errorf("caps %v", got)
			}
		}},
		{"cap-drop one, cap-add ALL within the bound", func(c *record.Container, h *Host) {
			c.HostConfig.CapDrop, c.HostConfig.CapAdd = []string{"CAP_CHOWN"}, []string{"ALL"}
			h.CapBound = &noSysResource
		}, func(t *testing.T, s *specs.Spec) {
			got := s.Process.Capabilities.Bounding
			if slices.Contains(got, "CAP_SYS_RESOURCE") || !slices.Contains(got, "CAP_SYS_ADMIN") || !slices.Contains(got, "CAP_CHOWN") {
				t.Errorf("caps %v: want all within the bound (ALL is added after the drops)", got)
			}
			if s.Linux.Seccomp == nil {
				t.Error("cap-add ALL is no reason to drop seccomp")
			}
		}},
		{"seccomp unconfined, no-new-privileges", func(c *record.Container, _ *Host) {
			c.HostConfig.SecurityOpt = []string{"seccomp=unconfined", "no-new-privileges"}
		}, func(t *testing.T, s *specs.Spec) {
			if s.Linux.Seccomp != nil || !s.Process.NoNewPrivileges || len(s.Linux.MaskedPaths) == 0 {
				t.Errorf("seccomp %v nnp %v masked %v", s.Linux.Seccomp != nil, s.Process.NoNewPrivileges, s.Linux.MaskedPaths)
			}
		}},
		{"memory with the swap create recorded for -m alone", func(c *record.Container, _ *Host) {
			c.HostConfig.Memory, c.HostConfig.MemorySwap = 64<<20, 128<<20
		}, func(t *testing.T, s *specs.Spec) {
			m := s.Linux.Resources.Memory
			if m == nil || *m.Limit != 64<<20 || m.Swap == nil || *m.Swap != 128<<20 {
				t.Errorf("memory %+v, want limit 64m and memory+swap 128m", m)
			}
		}},
		{"memory, swap unset", func(c *record.Container, _ *Host) {
			c.HostConfig.Memory = 64 << 20
		}, func(t *testing.T, s *specs.Spec) {
			if m := s.Linux.Resources.Memory; m == nil || *m.Limit != 64<<20 || m.Swap != nil {
				t.Errorf("memory %+v, want the limit alone", m)
			}
		}},
		{"cpus, shares, cpuset, pids, update's limits", func(c *record.Container, _ *Host) {
			hc := &c.HostConfig
			hc.NanoCPUs, hc.CPUShares, hc.CpusetCpus, hc.PidsLimit = 1.5e9, 512, "0-1", 100
			hc.MoreResources = record.MoreResources{MemoryReservation: 32 << 20, CpusetMems: "0", BlkioWeight: 300}
		}, func(t *testing.T, s *specs.Spec) {
			r := s.Linux.Resources
			if r.CPU == nil || *r.CPU.Period != 100000 || *r.CPU.Quota != 150000 || *r.CPU.Shares != 512 || r.CPU.Cpus != "0-1" || r.CPU.Mems != "0" {
				t.Errorf("cpu %+v", r.CPU)
			}
			if r.Pids == nil || *r.Pids.Limit != 100 || r.Memory == nil || *r.Memory.Reservation != 32<<20 || r.BlockIO == nil || *r.BlockIO.Weight != 300 {
				t.Errorf("pids %+v memory %+v blkio %+v", r.Pids, r.Memory, r.BlockIO)
			}
		}},
		{"ulimits", func(c *record.Container, _ *Host) {
			c.HostConfig.Ulimits = []record.Ulimit{{Name: "nofile", Soft: 100, Hard: 200}}
		}, func(t *testing.T, s *specs.Spec) {
			if want := []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 100, Hard: 200}}; !slices.Equal(s.Process.Rlimits, want) {
				t.Errorf("rlimits %+v", s.Process.Rlimits)
			}
		}},
		{"network host", func(c *record.Container, _ *Host) { c.HostConfig.NetworkMode = "host" }, func(t *testing.T, s *specs.Spec) {
			if ns := namespace(s, specs.NetworkNamespace); ns != nil {
				t.Errorf("network namespace %+v, want the host's", ns)
			}
		}},
		{"network none", func(c *record.Container, _ *Host) { c.HostConfig.NetworkMode = "none" }, func(t *testing.T, s *specs.Spec) {
			if ns := namespace(s, specs.NetworkNamespace); ns == nil || ns.Path != "" {
				t.Errorf("network namespace %+v, want a new empty one", ns)
			}
		}},
		{"pid host, ipc and uts of others", func(c *record.Container, h *Host) {
			x := &c.HostConfig.ExtraHostConfig
			x.PidMode, x.IpcMode, x.UTSMode, x.CgroupnsMode = "host", "container:abc", "host", "private"
			c.Config.Domainname = "example.org"
			h.NamespacePaths = map[specs.LinuxNamespaceType]string{specs.IPCNamespace: "/proc/42/ns/ipc"}
			h.ShmPath = "/run/berth/containers/abc/shm"
		}, func(t *testing.T, s *specs.Spec) {
			if namespace(s, specs.PIDNamespace) != nil || namespace(s, specs.UTSNamespace) != nil || s.Hostname != "" || s.Domainname != "" {
				t.Errorf("pid/uts namespaces kept, or hostname %q domainname %q", s.Hostname, s.Domainname)
			}
			if ns := namespace(s, specs.IPCNamespace); ns == nil || ns.Path != "/proc/42/ns/ipc" {
				t.Errorf("ipc namespace %+v", ns)
			}
			if namespace(s, specs.CgroupNamespace) == nil {
				t.Error("no cgroup namespace with --cgroupns private")
			}
			if m := mount(s, "/dev/shm"); m == nil || m.Type != "bind" || m.Source != "/run/berth/containers/abc/shm" {
				t.Errorf("/dev/shm %+v: --ipc container: binds the owner's", m)
			}
		}},
		{"ipc none", func(c *record.Container, _ *Host) { c.HostConfig.IpcMode = "none" }, func(t *testing.T, s *specs.Spec) {
			if m := mount(s, "/dev/shm"); m != nil {
				t.Errorf("/dev/shm %+v with --ipc none", m)
			}
		}},
		{"ipc host", func(c *record.Container, _ *Host) { c.HostConfig.IpcMode = "host" }, func(t *testing.T, s *specs.Spec) {
			if m := mount(s, "/dev/shm"); m == nil || m.Type != "bind" || m.Source != "/dev/shm" || namespace(s, specs.IPCNamespace) != nil {
				t.Errorf("/dev/shm %+v, want the host's bound", m)
			}
		}},
		{"sysctls, oom score, group-add", func(c *record.Container, h *Host) {
			x := &c.HostConfig.ExtraHostConfig
			x.Sysctls, x.OomScoreAdj = map[string]string{"net.ipv4.ip_forward": "1"}, 500
			h.User = specs.User{AdditionalGids: []uint32{0}}
			h.GroupAdd = []uint32{27}
		}, func(t *testing.T, s *specs.Spec) {
			if s.Linux.Sysctl["net.ipv4.ip_forward"] != "1" || s.Process.OOMScoreAdj == nil || *s.Process.OOMScoreAdj != 500 {
				t.Errorf("sysctl %v oom %v", s.Linux.Sysctl, s.Process.OOMScoreAdj)
			}
			if !slices.Equal(s.Process.User.AdditionalGids, []uint32{0, 27}) {
				t.Errorf("gids %v, want the user's then --group-add's", s.Process.User.AdditionalGids)
			}
		}},
		{"devices and their rules", func(c *record.Container, h *Host) {
			c.HostConfig.Devices = []string{"/dev/fuse:/dev/f:rw"}
			c.HostConfig.DeviceCgroupRules = []string{"c 10:* rm"}
			h.Devices = []specs.LinuxDevice{{Path: "/dev/f", Type: "c", Major: 10, Minor: 229}}
		}, func(t *testing.T, s *specs.Spec) {
			if !slices.ContainsFunc(s.Linux.Devices, func(d specs.LinuxDevice) bool { return d.Path == "/dev/f" }) {
				t.Errorf("devices %+v", s.Linux.Devices)
			}
			d := s.Linux.Resources.Devices
			if len(d) != 3 || !d[1].Allow || *d[1].Major != 10 || *d[1].Minor != 229 || d[1].Access != "rw" || d[2].Access != "rm" || d[2].Minor != nil {
				t.Errorf("device cgroup %+v: want deny all, the device rw, the rule", d)
			}
		}},
		{"mounts: /etc files, then the user's, then init", func(c *record.Container, h *Host) {
			c.HostConfig.Init = true
			c.HostConfig.Mounts = []record.Mount{
				{Type: "bind", Source: "/h", Destination: "/sbin", ReadOnly: true},
				{Type: "volume", Source: "/var/lib/berth/volumes/v/_data", Destination: "/data", Propagation: "rslave"},
				{Type: "tmpfs", Source: "tmpfs", Destination: "/t", Options: "size=1m", ReadOnly: true},
			}
			h.EtcMounts = []specs.Mount{{Destination: "/etc/hosts", Type: "bind", Source: "/ctr/hosts", Options: []string{"rbind", "rprivate"}}}
			h.InitBinary = "/usr/bin/berth"
		}, func(t *testing.T, s *specs.Spec) {
			n := len(s.Mounts)
			var got []string
			for _, m := range s.Mounts[n-5:] {
				got = append(got, m.Destination+" "+m.Type+" "+m.Source+" "+strings.Join(m.Options, ","))
			}
			want := []string{
				"/etc/hosts bind /ctr/hosts rbind,rprivate",
				"/sbin bind /h rbind,rprivate,ro",
				"/data bind /var/lib/berth/volumes/v/_data rbind,rslave",
				"/t tmpfs tmpfs nosuid,nodev,noexec,size=1m,ro",
				InitPath + " bind /usr/bin/berth bind,ro,nosuid,nodev",
			}
			if !slices.Equal(got, want) {
				t.Errorf("mounts\n got %q\nwant %q", got, want)
			}
			if !slices.Equal(s.Process.Args, []string{InitPath, "--", "sh"}) {
				t.Errorf("args %q", s.Process.Args)
			}
		}},
		{"annotations and throttles", func(c *record.Container, _ *Host) {
			d := &c.HostConfig.DeviceHostConfig
			d.Annotations = map[string]string{"a": "b"}
			d.BlkioReadBps = []record.ThrottleDevice{{Path: "/dev/sda", Rate: 1 << 20, Major: 8}}
		}, func(t *testing.T, s *specs.Spec) {
			b := s.Linux.Resources.BlockIO
			if s.Annotations["a"] != "b" || b == nil || len(b.ThrottleReadBpsDevice) != 1 || b.ThrottleReadBpsDevice[0].Rate != 1<<20 || b.ThrottleReadBpsDevice[0].Major != 8 {
				t.Errorf("annotations %v blkio %+v", s.Annotations, b)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, h := base(), baseHost()
			if tc.edit != nil {
				tc.edit(c, &h)
			}
			s, err := Generate(c, h)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, s)
		})
	}
}

func TestGenerateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(c *record.Container, h *Host)
		err  string
	}{
		{"unknown ulimit", func(c *record.Container, _ *Host) { c.HostConfig.Ulimits = []record.Ulimit{{Name: "nosuch"}} }, "invalid ulimit type: nosuch"},
		{"unknown security-opt", func(c *record.Container, _ *Host) { c.HostConfig.SecurityOpt = []string{"apparmor=x"} }, "invalid --security-opt"},
		{"a device without its node", func(c *record.Container, _ *Host) { c.HostConfig.Devices = []string{"/dev/fuse"} }, "1 --device flags"},
		{"a namespace without its path", func(c *record.Container, _ *Host) { c.HostConfig.PidMode = "container:abc" }, "no path given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, h := base(), baseHost()
			tc.edit(c, &h)
			if _, err := Generate(c, h); err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestParseDevice(t *testing.T) {
	for in, want := range map[string][3]string{
		"/dev/fuse":           {"/dev/fuse", "/dev/fuse", "rwm"},
		"/dev/fuse:/dev/f":    {"/dev/fuse", "/dev/f", "rwm"},
		"/dev/fuse::r":        {"/dev/fuse", "/dev/fuse", "r"},
		"/dev/fuse:/dev/f:rw": {"/dev/fuse", "/dev/f", "rw"},
	} {
		if h, c, p := ParseDevice(in); [3]string{h, c, p} != want {
			t.Errorf("ParseDevice(%q) = %s %s %s, want %v", in, h, c, p, want)
		}
	}
}

func TestBounded(t *testing.T) {
	all := AllCaps()
	if got := Bounded(all, nil); !slices.Equal(got, all) {
		t.Errorf("unknown bound: %d caps, want all %d", len(got), len(all))
	}
	none := caps.Set(0)
	if got := Bounded(append([]string{"CAP_NOSUCH"}, all...), &none); !slices.Equal(got, []string{"CAP_NOSUCH"}) {
		t.Errorf("empty bound: %v, want only the name it cannot judge", got)
	}
}

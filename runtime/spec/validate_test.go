package spec

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestValidate(t *testing.T) {
	bundle := t.TempDir()
	if err := os.Mkdir(filepath.Join(bundle, "rootfs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bundle, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	dropNS := func(s *specs.Spec, t specs.LinuxNamespaceType) {
		var keep []specs.LinuxNamespace
		for _, ns := range s.Linux.Namespaces {
			if ns.Type != t {
				keep = append(keep, ns)
			}
		}
		s.Linux.Namespaces = keep
	}
	tests := []struct {
		name    string
		edit    func(s *specs.Spec)
		wantErr string
	}{
		{"default", func(*specs.Spec) {}, ""},
		{"rootless", ToRootless, ""},
		{"no root", func(s *specs.Spec) { s.Root = nil }, "root: not set"},
		{"empty root path", func(s *specs.Spec) { s.Root.Path = "" }, "root.path: not set"},
		{"missing root", func(s *specs.Spec) { s.Root.Path = "gone" },
			"root.path: stat " + bundle + "/gone: no such file or directory"},
		{"root is a file", func(s *specs.Spec) { s.Root.Path = "file" }, "root.path: " + bundle + "/file is not a directory"},
		{"absolute root", func(s *specs.Spec) { s.Root.Path = bundle + "/rootfs" }, ""},
		{"no process", func(s *specs.Spec) { s.Process = nil }, "process: not set"},
		{"no args", func(s *specs.Spec) { s.Process.Args = nil }, "process.args: empty"},
		{"relative cwd", func(s *specs.Spec) { s.Process.Cwd = "tmp" }, `process.cwd: "tmp" is not absolute`},
		{"empty cwd", func(s *specs.Spec) { s.Process.Cwd = "" }, `process.cwd: "" is not absolute`},
		{"unknown ns", func(s *specs.Spec) { s.Linux.Namespaces[2].Type = "foo" }, `linux.namespaces[2].type: unknown namespace "foo"`},
		{"duplicate ns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "pid", Path: "/proc/1/ns/pid"})
		}, `linux.namespaces[5].type: duplicate namespace "pid"`},
		{"cgroup and time ns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "cgroup"}, specs.LinuxNamespace{Type: "time"})
		}, ""},
		{"hostname without uts", func(s *specs.Spec) { dropNS(s, specs.UTSNamespace) }, "hostname: cannot be set without a new uts namespace"},
		{"domainname without uts", func(s *specs.Spec) { dropNS(s, specs.UTSNamespace); s.Hostname = ""; s.Domainname = "x" },
			"domainname: cannot be set without a new uts namespace"},
		{"no uts no names", func(s *specs.Spec) { dropNS(s, specs.UTSNamespace); s.Hostname = "" }, ""},
		{"net sysctl", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"} }, ""},
		{"net sysctl host net", func(s *specs.Spec) {
			dropNS(s, specs.NetworkNamespace)
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, `linux.sysctl["net.ipv4.ip_forward"]: needs a new network namespace`},
		{"ipc sysctl host ipc", func(s *specs.Spec) {
			dropNS(s, specs.IPCNamespace)
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "1"}
		}, `linux.sysctl["kernel.shmmax"]: needs a new ipc namespace`},
		{"mqueue sysctl host ipc", func(s *specs.Spec) {
			dropNS(s, specs.IPCNamespace)
			s.Linux.Sysctl = map[string]string{"fs.mqueue.msg_max": "1"}
		}, `linux.sysctl["fs.mqueue.msg_max"]: needs a new ipc namespace`},
		{"ipc sysctls", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{"kernel.msgmax": "1", "kernel.sem": "1 2 3 4", "fs.mqueue.queues_max": "3"}
		}, ""},
		{"domainname sysctl", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.domainname": "x"} }, ""},
		{"hostname sysctl conflicts", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"} },
			`linux.sysctl["kernel.hostname"]: conflicts with the hostname field`},
		{"hostname sysctl host uts", func(s *specs.Spec) {
			dropNS(s, specs.UTSNamespace)
			s.Hostname = ""
			s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"}
		}, `linux.sysctl["kernel.hostname"]: needs a new uts namespace`},
		{"host sysctl", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "1"} },
			`linux.sysctl["vm.swappiness"]: not in a namespace of the container`},
		{"relative mount warns only", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "mnt", Type: "tmpfs", Source: "tmpfs"})
		}, ""},
		{"empty destination", func(s *specs.Spec) { s.Mounts[1].Destination = "" }, "mounts[1].destination: not set"},
		{"typeless bind", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Source: "/tmp", Options: []string{"rbind", "ro"}})
		}, ""},
		{"typeless non-bind", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Source: "/tmp", Options: []string{"ro"}})
		}, "mounts[7].type: empty without a bind or rbind option"},
		{"unknown rlimit", func(s *specs.Spec) { s.Process.Rlimits[0].Type = "RLIMIT_FOO" }, `process.rlimits[0].type: unknown rlimit "RLIMIT_FOO"`},
		{"duplicate rlimit", func(s *specs.Spec) { s.Process.Rlimits = append(s.Process.Rlimits, s.Process.Rlimits[0]) },
			`process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE"`},
		{"soft above hard", func(s *specs.Spec) { s.Process.Rlimits[0].Soft = 2048 },
			"process.rlimits[0]: soft limit 2048 above hard limit 1024"},
		{"unknown cap is left to runtime/caps", func(s *specs.Spec) { s.Process.Capabilities.Bounding[1] = "CAP_FOO" }, ""},
		{"all caps", func(s *specs.Spec) {
			s.Process.Capabilities.Inheritable = []string{"CAP_CHECKPOINT_RESTORE", "CAP_BPF"}
		}, ""},
		{"time offsets without time ns", func(s *specs.Spec) {
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}}
		}, "linux.timeOffsets: set without a new time namespace"},
		{"time offsets", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}, "boottime": {Secs: 2}}
		}, ""},
		{"bad clock", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"realtime": {Secs: 1}}
		}, `linux.timeOffsets["realtime"]: unknown clock, want boottime or monotonic`},
		{"uid map without userns", func(s *specs.Spec) { s.Linux.UIDMappings = []specs.LinuxIDMapping{{Size: 1}} },
			"linux.uidMappings: set without a user namespace"},
		{"gid map without userns", func(s *specs.Spec) { s.Linux.GIDMappings = []specs.LinuxIDMapping{{Size: 1}} },
			"linux.gidMappings: set without a user namespace"},
		{"userns without maps", func(s *specs.Spec) { ToRootless(s); s.Linux.GIDMappings = nil },
			"linux.gidMappings: a new user namespace needs a mapping"},
		{"joined userns without maps", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/1/ns/user"})
		}, ""},
		{"masked without mount ns", func(s *specs.Spec) { dropNS(s, specs.MountNamespace) },
			"linux.maskedPaths: cannot be applied without a new mount namespace"},
		{"readonly without mount ns", func(s *specs.Spec) { dropNS(s, specs.MountNamespace); s.Linux.MaskedPaths = nil },
			"linux.readonlyPaths: cannot be applied without a new mount namespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Default()
			tt.edit(s)
			err := Validate(s, bundle)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("error %v, want %s", err, tt.wantErr)
			}
		})
	}
}

func TestRlimit(t *testing.T) {
	tests := []struct {
		name string
		want int
		ok   bool
	}{
		{"RLIMIT_NOFILE", 7, true},
		{"RLIMIT_CORE", 4, true},
		{"RLIMIT_RTTIME", 15, true},
		{"rlimit_nofile", 0, false},
		{"NOFILE", 0, false},
	}
	for _, tt := range tests {
		got, ok := Rlimit(tt.name)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Rlimit(%q) = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

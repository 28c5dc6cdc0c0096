package isolation_test

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A container is built either by a runtime thread with a C init
// (runtime/nsenter/setup.c) or, when that cannot be, by a Go init
// (runtime/initproc). A createContainer hook forces the Go init without
// changing what the container sees, so the two must show the container
// exactly the same filesystem, names, identity and limits.
func TestInitPathsBuildTheSameContainer(t *testing.T) {
	probe := strings.Join([]string{
		"hostname",
		// root, mount point, options and type of every mount, without the
		// ids and device numbers that differ between any two containers
		`awk '{for (i = 7; $i != "-"; i++); print $4, $5, $6, $(i+1), $(i+2), $(i+3)}' /proc/self/mountinfo`,
		"grep -E '^(Cap|NoNewPrivs|Seccomp:|Groups)' /proc/self/status",
		"id", "umask", "pwd", "echo HOME=$HOME", "cat /proc/self/cgroup",
		"ls -l /dev | awk '{print $1, $3, $4, $5, $6, $NF}'",
		"cat /proc/self/limits", "cat /proc/self/oom_score_adj", "ip link 2>/dev/null || cat /proc/net/dev",
		"echo $$", "ps -o pid,comm",
	}, "; ")
	run := func(goInit bool) string {
		rt, b := setup(t)
		b.Update(func(s *specs.Spec) {
			s.Hostname = "paths"
			s.Process.Cwd = "/tmp"
			s.Process.User.AdditionalGids = []uint32{10, 20}
			oom := 100
			s.Process.OOMScoreAdj = &oom
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_NPROC", Soft: 100, Hard: 200})
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
			if goInit {
				s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
			}
		})
		return strings.ReplaceAll(rt.ShellOutput(t, b, probe), b.Dir, "BUNDLE")
	}
	viaThread, viaGo := run(false), run(true)
	if viaThread != viaGo {
		t.Errorf("containers differ.\nbuilt by a runtime thread:\n%s\n\nbuilt by the Go init:\n%s", viaThread, viaGo)
	}
	for _, want := range []string{"paths\n", " /proc rw,", "/sys/fs/cgroup", "NoNewPrivs:\t1", "HOME=/root", "\n1\n"} {
		if !strings.Contains(viaThread, want) {
			t.Errorf("container output lacks %q:\n%s", want, viaThread)
		}
	}
}

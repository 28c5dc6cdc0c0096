package security_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"

	"github.com/berth-containers/berth/test/testutil"
)

// supportedSeccompFlags is `features`' linux.seccomp.supportedFlags.
func supportedSeccompFlags(t *testing.T, rt *testutil.Runtime) []string {
	t.Helper()
	var f features.Features
	if err := json.Unmarshal([]byte(rt.MustRun(t, "features").Stdout), &f); err != nil {
		t.Fatalf("features: %v", err)
	}
	if f.Linux == nil || f.Linux.Seccomp == nil {
		t.Skip("the runtime reports no seccomp features")
	}
	return f.Linux.Seccomp.SupportedFlags
}

// loadFlagsLogged runs the bundle with --debug and returns its output and
// whether the debug log reports the filter loaded with flags want, in
// runc's words ("seccomp filter flags: N").
func loadFlagsLogged(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle, want string) (testutil.Result, bool) {
	t.Helper()
	res := rt.Run(t, "--debug", "run", "--bundle", b.Dir, testutil.NewID(t))
	return res, strings.Contains(res.Stderr+res.Stdout, `"seccomp filter flags: `+want+`"`)
}

// TestSeccompFilterFlags: the filter is loaded with the flags the profile
// names (TSYNC needs no bit: one thread loads and execs); a profile that
// names none gets SPEC_ALLOW where the kernel has it, an empty list none.
func TestSeccompFilterFlags(t *testing.T) {
	rt, b := setup(t)
	if rt.IsRunc11() {
		t.Skip("runc 1.1 takes no seccomp flags")
	}
	supported := supportedSeccompFlags(t, rt)
	noFlags := "0"
	if slices.Contains(supported, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") {
		noFlags = "4"
	}
	for _, tc := range []struct {
		name  string
		flags []specs.LinuxSeccompFlag
		want  string
	}{
		{"no flags", nil, noFlags},
		{"empty list", []specs.LinuxSeccompFlag{}, "0"},
		{"log and tsync", []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"}, "2"},
		{"spec allow and log", []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"}, "6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.Update(func(s *specs.Spec) {
				s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno})
				s.Linux.Seccomp.Flags = tc.flags
			})
			b.Shell("mkdir /tmp/x")
			if tc.flags != nil && len(tc.flags) == 0 {
				emptySeccompFlags(t, b) // specs-go drops an empty list (omitempty)
			}
			res, ok := loadFlagsLogged(t, rt, b, tc.want)
			if res.ExitCode == 0 || !strings.Contains(res.Stderr, "Operation not permitted") {
				t.Errorf("mkdir under the filter: exit %d, stderr %q", res.ExitCode, res.Stderr)
			}
			if !ok {
				t.Errorf("flags %v: debug log lacks \"seccomp filter flags: %s\":\n%s", tc.flags, tc.want, res.Stderr)
			}
		})
	}
}

// emptySeccompFlags writes "flags": [] into the bundle's linux.seccomp.
func emptySeccompFlags(t *testing.T, b *testutil.Bundle) {
	t.Helper()
	data, err := os.ReadFile(b.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("decode %s: %v", b.ConfigPath(), err)
	}
	cfg["linux"].(map[string]any)["seccomp"].(map[string]any)["flags"] = []any{}
	if data, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.ConfigPath(), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSeccompNotifyWaitKillable: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV is
// passed with the listener's flag (8 + 32), and the agent still serves the
// container's mkdir.
func TestSeccompNotifyWaitKillable(t *testing.T) {
	rt, b := setup(t)
	if !slices.Contains(supportedSeccompFlags(t, rt), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") {
		t.Skip("the runtime or kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
	}
	agent := newSeccompAgent(t)
	b.Update(func(s *specs.Spec) {
		s.Root.Readonly = false
		s.Linux.Seccomp = notifyMkdir(agent, "")
		s.Linux.Seccomp.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}
	})
	b.Shell("mkdir /tmp/denied; echo denied=$?; mkdir /tmp/ok && echo ok")
	res, ok := loadFlagsLogged(t, rt, b, "40")
	if strings.TrimSpace(res.Stdout) != "denied=1\nok" {
		t.Errorf("mkdir under the agent: exit %d, %q, stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if !ok {
		t.Errorf("debug log lacks \"seccomp filter flags: 40\":\n%s", res.Stderr)
	}
}

// TestSeccompNotifyWriteRefused: SCMP_ACT_NOTIFY on write is refused
// before the container starts (the runtime's own writes after the load
// would wait on the agent), and the agent gets no fd.
func TestSeccompNotifyWriteRefused(t *testing.T) {
	rt, b := setup(t)
	agent := newSeccompAgent(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = notifyMkdir(agent, "")
		s.Linux.Seccomp.Syscalls[0].Names = append(s.Linux.Seccomp.Syscalls[0].Names, "write")
	})
	res := rt.RunBundle(t, b)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "SCMP_ACT_NOTIFY cannot be used for the write syscall") {
		t.Errorf("notify on write: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	if states, _ := agent.snapshot(); len(states) != 0 {
		t.Errorf("the agent got %d notify fds for a refused profile", len(states))
	}
}

// TestSeccompNotifyNoAgent: a listenerPath nobody listens on fails the
// run, in runc's words.
func TestSeccompNotifyNoAgent(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify})
		s.Linux.Seccomp.ListenerPath = filepath.Join(t.TempDir(), "nobody.sock")
	})
	res := rt.RunBundle(t, b)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "failed to connect with seccomp agent") {
		t.Errorf("no agent at listenerPath: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
}

// TestSeccompStartContainerHook: startContainer hooks run in the container
// under its filter, with no_new_privs (the filter loaded last) or without.
func TestSeccompStartContainerHook(t *testing.T) {
	for _, nnp := range []bool{true, false} {
		t.Run(map[bool]string{true: "noNewPrivileges", false: "privileges"}[nnp], func(t *testing.T) {
			rt, b := setup(t)
			b.Update(func(s *specs.Spec) {
				s.Process.NoNewPrivileges = nnp
				s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_CORE"}}
				s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActKill})
				s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "mkdir /dev/shm/hook"}}}}
			})
			res := rt.RunBundle(t, b)
			if res.ExitCode == 0 || !strings.Contains(res.Stderr, "error running startContainer hook") ||
				!strings.Contains(res.Stderr, "bad system call") {
				t.Errorf("startContainer hook making a directory under SCMP_ACT_KILL: exit %d, stderr %q", res.ExitCode, res.Stderr)
			}
		})
	}
}

package spec_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// TestJoinMountNamespaceByPath: a mount namespace joined by path gets the
// rootfs built in it, as runc does, so the container's program is the
// rootfs's and runs there (runtime-tools' linux_ns_path).
func TestJoinMountNamespaceByPath(t *testing.T) {
	rt, b := setup(t)
	holder := exec.Command("unshare", "--mount", "--propagation", "private", "sleep", "100")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { holder.Process.Kill(); holder.Wait() })
	own := testutil.NsLink(t, "self", "mnt")
	var want string
	testutil.Eventually(t, 5*time.Second, func() bool { want = testutil.NsLink(t, holder.Process.Pid, "mnt"); return want != own },
		func() string { return "the holder never entered its own mount namespace" })
	if err := os.WriteFile(filepath.Join(b.Rootfs, "berth-marker"), []byte("in-rootfs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Update(func(s *specs.Spec) {
		for i, ns := range s.Linux.Namespaces {
			if ns.Type == specs.MountNamespace {
				s.Linux.Namespaces[i].Path = "/proc/" + itoa(holder.Process.Pid) + "/ns/mnt"
			}
		}
	})
	out := rt.ShellOutput(t, b, "cat /berth-marker; readlink /proc/self/ns/mnt")
	if got := strings.Fields(out); len(got) != 2 || got[0] != "in-rootfs" || got[1] != want {
		t.Errorf("container in a joined mount namespace printed %q, want in-rootfs and %s", out, want)
	}
}

// TestFailingHooks: runtime-spec 1.3's lifecycle. A failed poststart hook
// is an error of start and stops the container without running the hooks
// after it; a failed poststop hook is a warning, and the remaining poststop
// hooks and the delete go on.
func TestFailingHooks(t *testing.T) {
	for _, tc := range []struct {
		name      string
		hooks     func(fail, mark specs.Hook) *specs.Hooks
		startFail bool
		markRuns  bool
	}{
		{"poststart", func(f, m specs.Hook) *specs.Hooks { return &specs.Hooks{Poststart: []specs.Hook{f, m}} }, true, false},
		{"poststop", func(f, m specs.Hook) *specs.Hooks { return &specs.Hooks{Poststop: []specs.Hook{f, m}} }, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			mark := filepath.Join(t.TempDir(), "mark")
			fail := specs.Hook{Path: "/bin/false"}
			marker := specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo ran > " + mark}}
			b.Update(func(s *specs.Spec) { s.Hooks = tc.hooks(fail, marker) })
			b.SetArgs("sleep", "100")
			id := testutil.NewID(t)
			rt.MustRun(t, "create", "--bundle", b.Dir, id)
			res := rt.Run(t, "start", id)
			if failed := res.ExitCode != 0; failed != tc.startFail {
				t.Fatalf("start: exit %d stderr %q, want failure %v", res.ExitCode, res.Stderr, tc.startFail)
			}
			if tc.startFail {
				if !strings.Contains(res.Stderr, "error running poststart hook #0:") {
					t.Errorf("start stderr %q does not name the failed hook", res.Stderr)
				}
				rt.WaitState(t, id, "stopped", 10*time.Second)
			} else {
				rt.MustRun(t, "kill", id, "KILL")
				rt.WaitState(t, id, "stopped", 10*time.Second)
			}
			rt.MustRun(t, "delete", id)
			_, err := os.Stat(mark)
			if ran := err == nil; ran != tc.markRuns {
				t.Errorf("hook after the failed one ran: %v, want %v", ran, tc.markRuns)
			}
			rt.AssertNothingLeft(t, id, b)
		})
	}
}

// TestUnknownCapabilitiesIgnored: as runc 1.2 and later, capability names
// that are no capability are ignored with a warning, not refused.
func TestUnknownCapabilitiesIgnored(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.Capabilities.Bounding = []string{"CAP_UNKNOWN", "UNKNOWN_CAP", "CAP_KILL"}
	})
	b.Shell("grep CapBnd /proc/self/status")
	res := rt.RunBundle(t, b)
	if res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "CapBnd:\t0000000000000020" {
		t.Errorf("run with unknown capabilities: exit %d stdout %q stderr %q, want CapBnd of CAP_KILL alone", res.ExitCode, res.Stdout, res.Stderr)
	}
	if !strings.Contains(res.Stderr, "ignoring unknown or unavailable capabilities: [CAP_UNKNOWN UNKNOWN_CAP]") {
		t.Errorf("stderr %q does not warn about the unknown capabilities", res.Stderr)
	}
}

// TestListMissingRoot: as runc, list under a --root that does not exist is
// an error (a missing default root is only no containers yet).
func TestListMissingRoot(t *testing.T) {
	rt := testutil.NewRuntime(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		root string
		ok   bool
	}{{filepath.Join(dir, "missing"), false}, {dir, true}} {
		out, err := exec.Command(rt.Binary, "--root", tc.root, "list").CombinedOutput()
		if (err == nil) != tc.ok {
			t.Errorf("list --root %s: %v %q, want success %v", tc.root, err, out, tc.ok)
		}
	}
}

// TestStartContainerHookEnv: a startContainer hook with no env of its own
// runs with the process's (HOME included), as runc's; one with an env keeps
// it. A failed hook is named in runc's words ("error running ... hook #N:").
func TestStartContainerHookEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"inherits", nil, "two /root"},
		{"own env", []string{"ONE=own"}, "own"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			script := "#!/bin/sh\necho \"$ONE $HOME\" > /hook-out\n"
			if err := os.WriteFile(filepath.Join(b.Rootfs, "check-env.sh"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			b.Update(func(s *specs.Spec) {
				s.Root.Readonly = false
				s.Process.Env = []string{"ONE=two", "PATH=/bin:/usr/bin"}
				s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/check-env.sh", Env: tc.env}}}
			})
			b.SetArgs("cat", "/hook-out")
			if res := rt.RunBundle(t, b); res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != tc.want {
				t.Errorf("hook saw %q (exit %d, stderr %q), want %q", res.Stdout, res.ExitCode, res.Stderr, tc.want)
			}
		})
	}
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{Path: "/bin/true"}, {Path: "/bin/false"}}}
	})
	if res := rt.RunBundle(t, b); res.ExitCode == 0 || !strings.Contains(res.Stderr, "error running startContainer hook #1:") {
		t.Errorf("failed startContainer hook: exit %d stderr %q, want runc's wording", res.ExitCode, res.Stderr)
	}
}

// TestExecIgnorePaused: exec --ignore-paused into a paused container waits,
// frozen, until resume, then runs (runc's flag); without it, exec is refused.
func TestExecIgnorePaused(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	id, _ := rt.StartDetached(t, b)
	rt.MustRun(t, "pause", id)
	if res := rt.Run(t, "exec", id, "true"); res.ExitCode == 0 {
		t.Errorf("exec into a paused container without --ignore-paused succeeded")
	}
	go func() {
		time.Sleep(time.Second)
		rt.Command("resume", id).Run()
	}()
	start := time.Now()
	res := rt.Run(t, "exec", "--ignore-paused", id, "echo", "ok")
	if res.ExitCode != 0 || res.Stdout != "ok\n" {
		t.Fatalf("exec --ignore-paused: exit %d stdout %q stderr %q", res.ExitCode, res.Stdout, res.Stderr)
	}
	if took := time.Since(start); took < 900*time.Millisecond {
		t.Errorf("exec --ignore-paused took %s: it ran before the resume 1s later", took)
	}
}

// TestFrozenCgroupRefused: as runc, create into an existing cgroup that is
// frozen fails at once with runc's words, instead of hanging in it.
func TestFrozenCgroupRefused(t *testing.T) {
	rt, b := setup(t)
	id := testutil.NewID(t)
	rel := "/" + id + "-frozen"
	dir, file, frozen, thawed := filepath.Join("/sys/fs/cgroup/freezer", rel), "freezer.state", "FROZEN", "THAWED"
	if _, err := os.Stat("/sys/fs/cgroup/freezer"); err != nil {
		dir, file, frozen, thawed = filepath.Join("/sys/fs/cgroup", rel), "cgroup.freeze", "1", "0"
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(filepath.Join(dir, file), []byte(thawed), 0o644); os.Remove(dir) })
	if err := os.WriteFile(filepath.Join(dir, file), []byte(frozen), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Update(func(s *specs.Spec) { s.Linux.CgroupsPath = rel })
	start := time.Now()
	res := rt.Run(t, "run", "--bundle", b.Dir, id)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "container's cgroup unexpectedly frozen") {
		t.Errorf("run in a frozen cgroup: exit %d stderr %q, want runc's refusal", res.ExitCode, res.Stderr)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("run in a frozen cgroup took %s", took)
	}
}

// TestTerminalOwner: a process of uid 1000 owns its terminal, whose group
// stays devpts' tty (5), on run and on exec, as runc.
func TestTerminalOwner(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.User = specs.User{UID: 1000, GID: 100}
	})
	b.Shell("stat -c %u:%g $(tty)")
	if res := rt.RunBundle(t, b); res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "1000:5" {
		t.Errorf("run -t as uid 1000: exit %d stdout %q stderr %q, want 1000:5", res.ExitCode, res.Stdout, res.Stderr)
	}
	b.Update(func(s *specs.Spec) { s.Process.Terminal = false })
	b.SetArgs("sleep", "100")
	id, _ := rt.StartDetached(t, b)
	res := rt.Run(t, "exec", "-t", "--user", "1000:100", id, "sh", "-c", "stat -c %u:%g $(tty)")
	if res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "1000:5" {
		t.Errorf("exec -t as uid 1000: exit %d stdout %q stderr %q, want 1000:5", res.ExitCode, res.Stdout, res.Stderr)
	}
}

// TestExecCapAmbient: as runc 1.5, exec --cap adds to the ambient set too
// when the spec has inheritable capabilities (CAP_CHOWN 0, CAP_KILL 5,
// CAP_SYSLOG 34).
func TestExecCapAmbient(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.Capabilities = &specs.LinuxCapabilities{
			Inheritable: []string{"CAP_CHOWN", "CAP_SYSLOG"}, Permitted: []string{"CAP_KILL", "CAP_CHOWN"},
			Effective: []string{"CAP_KILL"}, Bounding: []string{"CAP_KILL", "CAP_CHOWN", "CAP_SYSLOG"},
			Ambient: []string{"CAP_CHOWN"},
		}
	})
	b.SetArgs("sleep", "100")
	id, _ := rt.StartDetached(t, b)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"CapInh:\t0000000400000001", "CapPrm:\t0000000000000021", "CapBnd:\t0000000400000021", "CapAmb:\t0000000000000001"}},
		{[]string{"--cap", "CAP_SYSLOG"}, []string{"CapInh:\t0000000400000001", "CapPrm:\t0000000400000021", "CapEff:\t0000000400000021", "CapAmb:\t0000000400000001"}},
	} {
		args := append(append([]string{"exec"}, tc.args...), id, "grep", "^Cap", "/proc/self/status")
		res := rt.Run(t, args...)
		for _, w := range tc.want {
			if !strings.Contains(res.Stdout, w) {
				t.Errorf("exec %v: %q lacks %q (stderr %q)", tc.args, res.Stdout, w, res.Stderr)
			}
		}
	}
}

// TestExecFailureExits255: as runc, an exec that fails itself exits 255,
// apart from the process's own exit codes.
func TestExecFailureExits255(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	id, _ := rt.StartDetached(t, b)
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{id, "false"}, 1},
		{[]string{id, "sh", "-c", "exit 42"}, 42},
		{[]string{"--pid-file", "/non-existent/directory", id, "true"}, 255},
		{[]string{id, "no-such-binary"}, 255},
		{[]string{"no-such-container-" + id, "true"}, 255},
	} {
		if res := rt.Run(t, append([]string{"exec"}, tc.args...)...); res.ExitCode != tc.want {
			t.Errorf("exec %v: exit %d, want %d (stderr %q)", tc.args, res.ExitCode, tc.want, res.Stderr)
		}
	}
}

// TestPoststartStateOfQuickProcess: the poststart hook is told running and
// the pid, even when the program (true) has exited before the hook runs.
func TestPoststartStateOfQuickProcess(t *testing.T) {
	rt, b := setup(t)
	host := t.TempDir()
	b.Update(func(s *specs.Spec) { s.Hooks = &specs.Hooks{Poststart: []specs.Hook{recordHook(host, "poststart")}} })
	id := testutil.NewID(t)
	rt.MustRun(t, "create", "--bundle", b.Dir, id)
	created := rt.State(t, id)
	rt.MustRun(t, "start", id)
	st := readHookState(t, host, "poststart")
	if st.Status != "running" || st.Pid != created.Pid {
		t.Errorf("poststart state: status %q pid %d, want running and %d", st.Status, st.Pid, created.Pid)
	}
}

// TestSharedMountNamespaceChroots: a container with no mount namespace of
// its own runs its rootfs's program chrooted there, as runc's does
// (runtime-tools' linux_ns_itype), and berth makes none of the spec's
// mounts in the runtime's namespace, where they would be left behind.
func TestSharedMountNamespaceChroots(t *testing.T) {
	rt, b := setup(t)
	if err := os.WriteFile(filepath.Join(b.Rootfs, "berth-marker"), []byte("in-rootfs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	withoutMountNamespace(b)
	b.SetArgs("sh", "-c", "cat /berth-marker > /out; exec sleep 100")
	id := testutil.NewID(t)
	rt.MustRun(t, "create", "--bundle", b.Dir, id)
	t.Cleanup(func() { rt.Run(t, "delete", "-f", id) })
	rt.MustRun(t, "start", id)
	out := filepath.Join(b.Rootfs, "out")
	testutil.Eventually(t, 10*time.Second, func() bool { b, _ := os.ReadFile(out); return string(b) == "in-rootfs\n" },
		func() string {
			b, err := os.ReadFile(out)
			return "the container wrote " + string(b) + " " + fmt.Sprint(err)
		})
	pid := rt.State(t, id).Pid
	if got := testutil.NsLink(t, pid, "mnt"); got != testutil.NsLink(t, "self", "mnt") {
		t.Errorf("the container's mount namespace is %s, not the runtime's", got)
	}
	root, err := os.Readlink("/proc/" + itoa(pid) + "/root")
	if want, _ := filepath.EvalSymlinks(b.Rootfs); err != nil || root != want {
		t.Errorf("the container's root is %q (%v), want %s", root, err, want)
	}
	if left, err := testutil.MountedUnder(b.Rootfs); err != nil || len(left) > 0 {
		t.Errorf("mounts made in the runtime's namespace: %v (%v)", left, err)
	}
}

// withoutMountNamespace makes b share the runtime's mount namespace, with
// no masked or read-only paths (refused without a namespace of its own).
func withoutMountNamespace(b *testutil.Bundle) {
	b.Update(func(s *specs.Spec) {
		var kept []specs.LinuxNamespace
		for _, ns := range s.Linux.Namespaces {
			if ns.Type != specs.MountNamespace {
				kept = append(kept, ns)
			}
		}
		s.Linux.Namespaces, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = kept, nil, nil
		s.Root.Readonly = false
	})
}

// TestSharedMountNamespaceTerminal: such a container gets its terminal
// from the runtime's devpts, as its rootfs has none (runc's bats: host
// mount ns + hooks, which runs with a terminal).
func TestSharedMountNamespaceTerminal(t *testing.T) {
	rt, b := setup(t)
	withoutMountNamespace(b)
	b.Update(func(s *specs.Spec) { s.Process.Terminal = true })
	b.Shell("[ -t 0 ] && [ -t 1 ] && echo on-a-tty")
	if res := rt.RunBundle(t, b); res.ExitCode != 0 || !strings.Contains(res.Stdout, "on-a-tty") {
		t.Errorf("run -t with no mount namespace: exit %d stdout %q stderr %q, want on-a-tty", res.ExitCode, res.Stdout, res.Stderr)
	}
}

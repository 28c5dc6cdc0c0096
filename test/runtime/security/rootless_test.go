package security_test

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// rootlessEnv is a real unprivileged user (testutil.User: made for the
// test, removed after it) with a runtime binary and a bundle it owns.
type rootlessEnv struct {
	*testutil.User
	bin    string
	bundle string
}

func newRootless(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle) *rootlessEnv {
	t.Helper()
	u := testutil.NewUser(t)
	env := &rootlessEnv{User: u, bin: u.Install(t, rt.Binary), bundle: filepath.Join(u.Dir, "bundle")}
	owner := strconv.Itoa(u.UID) + ":" + strconv.Itoa(u.GID)
	for _, c := range [][]string{{"cp", "-a", b.Dir, env.bundle}, {"chown", "-R", owner, env.bundle},
		{"rm", "-f", filepath.Join(env.bundle, "config.json")}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", c, err, out)
		}
	}
	if res := env.run(t, "spec", "--rootless"); res.ExitCode != 0 {
		t.Fatalf("spec --rootless as %s failed: %s", u.Name, res.Stderr)
	}
	return env
}

// command runs the runtime as the user, in the bundle, with its own root.
func (e *rootlessEnv) command(args ...string) *exec.Cmd {
	root := filepath.Join(e.Runtime, "berth-runtime")
	cmd := e.Command(e.bin, append([]string{"--root", root}, args...)...)
	cmd.Dir = e.bundle
	return cmd
}

func (e *rootlessEnv) run(t *testing.T, args ...string) testutil.Result {
	t.Helper()
	rt := &testutil.Runtime{Binary: e.bin}
	return rt.RunCmd(t, e.command(args...))
}

func (e *rootlessEnv) update(t *testing.T, edit func(*specs.Spec)) {
	t.Helper()
	testutil.EditSpec(t, filepath.Join(e.bundle, "config.json"), func(s *specs.Spec) {
		s.Process.Terminal = false
		edit(s)
	})
}

func TestRootlessRun(t *testing.T) {
	rt, b := setup(t)
	env := newRootless(t, rt, b)
	env.update(t, func(s *specs.Spec) {
		s.Process.Args = []string{"sh", "-c", "id -u; cat /proc/self/uid_map | tr -s ' '"}
	})
	id := testutil.NewID(t)
	res := env.run(t, "run", id)
	want := "0\n 0 " + itoa(env.UID) + " 1"
	if res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != want {
		t.Errorf("rootless run: exit %d, %q, want %q", res.ExitCode, strings.TrimSpace(res.Stdout), want)
	}
}

// TestRootlessSubuidRangesAndExec maps several ranges (own id plus the
// user's /etc/subuid range, through newuidmap) and execs into the running
// container, still as the unprivileged user.
func TestRootlessSubuidRangesAndExec(t *testing.T) {
	rt, b := setup(t)
	if _, err := exec.LookPath("newuidmap"); err != nil {
		t.Skip("newuidmap is not installed (package uidmap)")
	}
	env := newRootless(t, rt, b)
	env.update(t, func(s *specs.Spec) {
		s.Process.Args = []string{"sleep", "1000"}
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(env.UID), Size: 1}, {ContainerID: 1, HostID: uint32(env.SubStart), Size: 1000}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(env.GID), Size: 1}, {ContainerID: 1, HostID: uint32(env.SubStart), Size: 1000}}
	})
	id := testutil.NewID(t)
	if res := env.run(t, "run", "-d", id); res.ExitCode != 0 {
		t.Fatalf("rootless run -d with subuid ranges failed")
	}
	t.Cleanup(func() {
		env.command("delete", "--force", id).Run()
		reapChildren()
	})
	var res testutil.Result
	testutil.WaitFor(2*time.Second, func() bool {
		res = env.run(t, "exec", "--user", "500:500", id, "sh", "-c", "id -u; wc -l < /proc/self/uid_map")
		return res.ExitCode == 0
	})
	if got := strings.Join(strings.Fields(res.Stdout), " "); got != "500 2" {
		t.Errorf("exec as 500 in a two-range user namespace: exit %d, %q, want \"500 2\"", res.ExitCode, got)
	}
}

func reapChildren() {
	for i := 0; i < 100; i++ {
		var ws syscall.WaitStatus
		pid, _ := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if pid <= 0 {
			time.Sleep(10 * time.Millisecond)
			if pid < 0 {
				return
			}
		}
	}
}

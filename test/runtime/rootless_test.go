package runtime_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// rootlessEnv is a real unprivileged user, made for the test and removed
// after it, with a runtime binary, a bundle and an XDG_RUNTIME_DIR it owns.
type rootlessEnv struct {
	name     string
	uid, gid int
	dir      string // 0755, owned by root: binary, bundle, xdg
	bin      string
	bundle   string
	xdg      string
	subStart int // first subordinate uid and gid of the user
}

func newRootless(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle) *rootlessEnv {
	t.Helper()
	if _, err := exec.LookPath("useradd"); err != nil {
		t.Skip("useradd is not installed")
	}
	r := make([]byte, 3)
	rand.Read(r)
	env := &rootlessEnv{name: "berthrl" + hex.EncodeToString(r)}
	if out, err := exec.Command("useradd", "--no-create-home", "--shell", "/bin/sh", env.name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v: %s", env.name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", env.name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", env.name, err, out)
		}
	})
	u, err := user.Lookup(env.name)
	if err != nil {
		t.Fatal(err)
	}
	env.uid, _ = strconv.Atoi(u.Uid)
	env.gid, _ = strconv.Atoi(u.Gid)
	env.subStart = subordinateStart(t, env.name)
	dir, err := os.MkdirTemp("/tmp", "berthrl-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	env.dir, env.bin, env.bundle, env.xdg = dir, filepath.Join(dir, "berth-runtime"), filepath.Join(dir, "bundle"), filepath.Join(dir, "xdg")
	for _, c := range [][]string{{"cp", rt.Binary, env.bin}, {"cp", "-a", b.Dir, env.bundle}, {"mkdir", "-m", "0700", env.xdg},
		{"chown", "-R", u.Uid + ":" + u.Gid, env.bundle, env.xdg}, {"rm", "-f", filepath.Join(env.bundle, "config.json")}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", c, err, out)
		}
	}
	if res := env.run(t, "spec", "--rootless"); res.ExitCode != 0 {
		t.Fatalf("spec --rootless as %s failed", env.name)
	}
	return env
}

// subordinateStart reads the user's range from /etc/subuid, adding one
// with usermod if useradd did not.
func subordinateStart(t *testing.T, name string) int {
	t.Helper()
	find := func() int {
		data, _ := os.ReadFile("/etc/subuid")
		for _, line := range strings.Split(string(data), "\n") {
			f := strings.Split(line, ":")
			if len(f) == 3 && f[0] == name {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
		return -1
	}
	if n := find(); n >= 0 {
		return n
	}
	if out, err := exec.Command("usermod", "--add-subuids", "3000000-3065535", "--add-subgids", "3000000-3065535", name).CombinedOutput(); err != nil {
		t.Fatalf("usermod --add-subuids: %v: %s", err, out)
	}
	return find()
}

// command runs the runtime as the user, in the bundle, with its own root.
func (e *rootlessEnv) command(args ...string) *exec.Cmd {
	root := filepath.Join(e.xdg, "berth-runtime")
	cmd := exec.Command(e.bin, append([]string{"--root", root}, args...)...)
	cmd.Dir = e.bundle
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "XDG_RUNTIME_DIR=" + e.xdg, "HOME=" + e.xdg}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(e.uid), Gid: uint32(e.gid)}}
	return cmd
}

func (e *rootlessEnv) run(t *testing.T, args ...string) testutil.Result {
	t.Helper()
	rt := &testutil.Runtime{Binary: e.bin}
	return rt.RunCmd(t, e.command(args...))
}

func (e *rootlessEnv) update(t *testing.T, edit func(*specs.Spec)) {
	t.Helper()
	path := filepath.Join(e.bundle, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s specs.Spec
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	s.Process.Terminal = false
	edit(&s)
	if data, err = json.Marshal(&s); err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func TestRootlessRun(t *testing.T) {
	rt, b := setup(t)
	env := newRootless(t, rt, b)
	env.update(t, func(s *specs.Spec) {
		s.Process.Args = []string{"sh", "-c", "id -u; cat /proc/self/uid_map | tr -s ' '"}
	})
	id := testutil.NewID(t)
	res := env.run(t, "run", id)
	want := "0\n 0 " + itoa(env.uid) + " 1"
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
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(env.uid), Size: 1}, {ContainerID: 1, HostID: uint32(env.subStart), Size: 1000}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(env.gid), Size: 1}, {ContainerID: 1, HostID: uint32(env.subStart), Size: 1000}}
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

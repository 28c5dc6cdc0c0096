package runtime_test

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// uidRunner runs the runtime as an unprivileged uid with no account (the
// VM's busybox userland has no useradd): a 0755 directory holding a copy
// of the binary, a bundle and a state root the uid owns, and optionally a
// cgroup the process starts in.
type uidRunner struct {
	uid          int
	dir, bin     string
	bundle, root string
	cgroup       string // where the runtime process starts; "" for the test's own
}

func newUIDRunner(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle) *uidRunner {
	t.Helper()
	testutil.RequireRoot(t)
	var r [2]byte
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	u := &uidRunner{uid: 40000 + int(binary.LittleEndian.Uint16(r[:]))%20000}
	// Not under TMPDIR: the suite's is 0700, and the uid must reach this.
	dir, err := os.MkdirTemp("/tmp", "berth-uid-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	u.dir, u.bin, u.bundle, u.root = dir, filepath.Join(dir, "berth-runtime"), filepath.Join(dir, "bundle"), filepath.Join(dir, "state")
	owner := strconv.Itoa(u.uid) + ":" + strconv.Itoa(u.uid)
	for _, c := range [][]string{{"chmod", "0755", dir}, {"cp", rt.Binary, u.bin}, {"mkdir", u.bundle, u.root},
		{"cp", "-a", b.Rootfs, u.bundle}, {"chown", "-R", owner, u.bundle, u.root}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v: %s", c, err, out)
		}
	}
	if res := u.run(t, "spec", "--rootless"); res.ExitCode != 0 {
		t.Fatalf("spec --rootless as uid %d: %s", u.uid, res.Stderr)
	}
	return u
}

func (u *uidRunner) command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(u.bin, append([]string{"--root", u.root}, args...)...)
	cmd.Dir = u.bundle
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + u.dir, "XDG_RUNTIME_DIR=" + u.root}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u.uid), Gid: uint32(u.uid), Groups: []uint32{}}}
	if u.cgroup != "" {
		fd, err := unix.Open(u.cgroup, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { unix.Close(fd) })
		cmd.SysProcAttr.UseCgroupFD, cmd.SysProcAttr.CgroupFD = true, fd
	}
	return cmd
}

func (u *uidRunner) run(t *testing.T, args ...string) testutil.Result {
	t.Helper()
	rt := &testutil.Runtime{Binary: u.bin}
	return rt.RunCmd(t, u.command(t, args...))
}

func (u *uidRunner) update(t *testing.T, edit func(*specs.Spec)) {
	t.Helper()
	testutil.EditSpec(t, filepath.Join(u.bundle, "config.json"), func(s *specs.Spec) {
		s.Process.Terminal = false
		edit(s)
	})
}

// pureV2 says whether the host is cgroup v2 alone (the VM), where a
// delegated subtree can have controllers.
func pureV2() bool {
	var st unix.Statfs_t
	return unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC
}

// delegate does what systemd's user@UID.service with Delegate=memory pids
// does: a root-owned slice that enables only those two for its children,
// the service below it chowned to the user (the directory and the three
// files delegation hands over), and the user's processes in its
// init.scope. It returns the service's cgroup path.
func delegate(t *testing.T, u *uidRunner) string {
	t.Helper()
	slice := "/" + testutil.NewID(t) + ".slice"
	svc := slice + "/user@" + strconv.Itoa(u.uid) + ".service"
	scope := svc + "/init.scope"
	root := "/sys/fs/cgroup"
	t.Cleanup(func() {
		for _, p := range []string{scope, svc, slice} {
			if err := os.Remove(root + p); err != nil && !os.IsNotExist(err) {
				t.Errorf("remove the test's delegation: %v", err)
			}
		}
	})
	for _, p := range []string{slice, svc, scope} {
		if err := os.Mkdir(root+p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(root+slice+"/cgroup.subtree_control", []byte("+memory +pids"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{svc, scope} {
		for _, f := range []string{"", "/cgroup.procs", "/cgroup.subtree_control", "/cgroup.threads"} {
			if err := os.Chown(root+p+f, u.uid, u.uid); err != nil {
				t.Fatal(err)
			}
		}
	}
	u.cgroup = root + scope
	return svc
}

// oneLine checks a refusal: a failure, one line of error naming all of want.
func oneLine(t *testing.T, what string, res testutil.Result, want ...string) {
	t.Helper()
	msg := strings.TrimSpace(res.Stderr)
	ok := res.ExitCode != 0 && !strings.Contains(msg, "\n")
	for _, w := range want {
		ok = ok && strings.Contains(msg, w)
	}
	if !ok {
		t.Errorf("%s: exit %d, stderr %q; want one line of error naming %q", what, res.ExitCode, msg, want)
	}
}

// TestCgroupRootless: an unprivileged user's container gets its cgroup
// under the cgroup v2 subtree delegated to the user, with its limits
// (DelegatedLimits, in the VM only: a hybrid host binds the controllers to
// v1); a limit whose controller is not delegated is refused in one line
// that names it and the fix (LimitNotDelegated: on this hybrid host
// nothing is delegated at all, in the VM cpu is not); a container without
// limits just runs, with no cgroup when it cannot have one (NoLimitsRuns).
func TestCgroupRootless(t *testing.T) {
	t.Run("DelegatedLimits", func(t *testing.T) {
		if !pureV2() {
			t.Skip("needs a pure cgroup v2 host: test/vm/run.sh")
		}
		rt, b := setup(t)
		u := newUIDRunner(t, rt, b)
		svc := delegate(t, u)
		u.update(t, func(s *specs.Spec) {
			s.Process.Args = []string{"sleep", "60"}
			s.Linux.Resources = &specs.LinuxResources{
				Memory: &specs.LinuxMemory{Limit: i64(64 << 20)},
				Pids:   &specs.LinuxPids{Limit: i64(30)},
			}
		})
		id := testutil.NewID(t)
		if res := u.run(t, "run", "-d", id); res.ExitCode != 0 {
			t.Fatalf("rootless run -d with limits under a delegation: %s", res.Stderr)
		}
		t.Cleanup(func() { u.command(t, "delete", "--force", id).Run() })
		var st testutil.State
		if err := json.Unmarshal([]byte(u.run(t, "state", id).Stdout), &st); err != nil || st.Pid == 0 {
			t.Fatalf("state: %v %+v", err, st)
		}
		data, err := os.ReadFile("/proc/" + itoa(st.Pid) + "/cgroup")
		if err != nil {
			t.Fatal(err)
		}
		want := svc + "/berth-" + id
		if got := cgroupLines(t, string(data))[""]; got != want {
			t.Fatalf("the container's cgroup is %s, want %s", got, want)
		}
		for f, v := range map[string]string{"memory.max": "67108864", "pids.max": "30"} {
			if got, err := os.ReadFile("/sys/fs/cgroup" + want + "/" + f); err != nil || strings.TrimSpace(string(got)) != v {
				t.Errorf("%s: %q %v, want %s", f, got, err, v)
			}
		}
		if res := u.run(t, "delete", "--force", id); res.ExitCode != 0 {
			t.Fatalf("delete: %s", res.Stderr)
		}
		if exists("/sys/fs/cgroup" + want) {
			t.Errorf("delete left %s", want)
		}
	})
	t.Run("LimitNotDelegated", func(t *testing.T) {
		rt, b := setup(t)
		u := newUIDRunner(t, rt, b)
		var r specs.LinuxResources
		want := []string{"Delegate=", "run without the limit"}
		if pureV2() {
			delegate(t, u) // memory and pids only
			period := uint64(100000)
			r.CPU = &specs.LinuxCPU{Quota: i64(50000), Period: &period}
			want = append(want, "cpu controller is not delegated")
		} else {
			r.Pids = &specs.LinuxPids{Limit: i64(30)}
			want = append(want, "pids limit needs a cgroup", "not cgroup v2 alone")
		}
		u.update(t, func(s *specs.Spec) { s.Linux.Resources = &r })
		id := testutil.NewID(t)
		oneLine(t, "rootless run with a limit that is not delegated", u.run(t, "run", id), want...)
		if res := u.run(t, "state", id); res.ExitCode == 0 {
			t.Errorf("the refused container is left: %s", res.Stdout)
		}
		if dirs, err := testutil.CgroupDirs(id); err != nil || len(dirs) > 0 {
			t.Errorf("the refused container left cgroups: %v %v", dirs, err)
		}
	})
	t.Run("NoLimitsRuns", func(t *testing.T) {
		rt, b := setup(t)
		u := newUIDRunner(t, rt, b)
		u.update(t, func(s *specs.Spec) { s.Process.Args = []string{"echo", "hi"} })
		id := testutil.NewID(t)
		if res := u.run(t, "run", id); res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "hi" {
			t.Fatalf("rootless run without limits or a delegation: exit %d, %q", res.ExitCode, res.Stdout)
		}
		if dirs, err := testutil.CgroupDirs(id); err != nil || len(dirs) > 0 {
			t.Errorf("a rootless run without a delegation made cgroups: %v %v", dirs, err)
		}
		if !pureV2() {
			return
		}
		// A delegation holding the user's own processes cannot enable
		// controllers for children (EBUSY): still no error without limits.
		u.cgroup = "/sys/fs/cgroup" + delegate(t, u)
		id = testutil.NewID(t)
		if res := u.run(t, "run", id); res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "hi" {
			t.Errorf("rootless run from inside its delegation: exit %d, %q", res.ExitCode, res.Stdout)
		}
	})
}

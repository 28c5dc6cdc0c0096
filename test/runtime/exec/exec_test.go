package exec_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

func TestExecOutputAndStatus(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	if out := rt.ExecOut(t, id, "echo", "hello"); out != "hello" {
		t.Errorf("exec echo: %q, want hello", out)
	}
	if res := rt.Run(t, "exec", id, "sh", "-c", "exit 7"); res.ExitCode != 7 {
		t.Errorf("exec exit 7: status %d", res.ExitCode)
	}
	if res := rt.Run(t, "exec", id, "sh", "-c", "kill -USR1 $$"); res.ExitCode != 128+int(syscall.SIGUSR1) {
		t.Errorf("exec killed by SIGUSR1: status %d, want %d", res.ExitCode, 128+int(syscall.SIGUSR1))
	}
	if res := rt.Run(t, "exec", id, "no-such-program"); res.ExitCode == 0 {
		t.Errorf("exec of a missing program succeeded")
	}
	if st := rt.State(t, id); st.Status != "running" {
		t.Errorf("container %s after execs: %s", id, st.Status)
	}
}

func TestExecJoinsNamespacesAndCgroups(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	})
	id, st := rt.RunningSleeper(t, b)
	for _, ns := range []string{"mnt", "pid", "net", "uts", "ipc", "cgroup"} {
		want, err := os.Readlink("/proc/" + itoa(st.Pid) + "/ns/" + ns)
		if err != nil {
			t.Fatal(err)
		}
		if got := rt.ExecOut(t, id, "readlink", "/proc/self/ns/"+ns); got != want {
			t.Errorf("%s namespace of exec'd process %s, want the init's %s", ns, got, want)
		}
	}
	init, err := os.ReadFile("/proc/" + itoa(st.Pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	// The exec'd process reads its own cgroup file: same lines as the init's
	// from the host (the cgroup namespace is rooted at the container's).
	out := rt.ExecOut(t, id, "sh", "-c", "cat /proc/self/cgroup; echo ---; cat /proc/1/cgroup")
	self, one, _ := strings.Cut(out, "\n---\n")
	if self != strings.TrimSpace(one) {
		t.Errorf("exec'd process's cgroups:\n%s\ninit's:\n%s", self, one)
	}
	if len(strings.TrimSpace(string(init))) == 0 {
		t.Errorf("init has no cgroups")
	}
	if got := rt.ExecOut(t, id, "sh", "-c", "echo $$"); got == "1" || got == "" {
		t.Errorf("exec'd shell's pid in the container: %q", got)
	}
}

func TestExecFlags(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "FROM_SPEC=1") })
	id, _ := rt.RunningSleeper(t, b)
	out := rt.ExecOut(t, "--env", "FOO=bar", "--cwd", "/tmp", "--user", "1000:1001", "--additional-gids", "10",
		id, "sh", "-c", `echo $FOO $FROM_SPEC; pwd; id -u; id -g; grep Groups: /proc/self/status | cut -f2`)
	if want := "bar 1\n/tmp\n1000\n1001\n10"; out != want {
		t.Errorf("exec with flags:\n%s\nwant:\n%s", out, want)
	}
	if res := rt.Run(t, "exec", "--cwd", "/no/such/dir", id, "true"); res.ExitCode == 0 {
		t.Errorf("exec --cwd /no/such/dir succeeded")
	}
}

func TestExecProcessFile(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	p := b.Spec().Process
	p.Args = []string{"sleep", "100"}
	p.Env = []string{"PATH=/bin:/usr/bin", "X=from-process-file"}
	p.User = specs.User{UID: 33, GID: 34}
	data, _ := json.Marshal(p)
	path := filepath.Join(t.TempDir(), "process.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	pid := rt.ExecDetached(t, "--process", path, id)
	st := procStatus(t, pid)
	if !strings.HasPrefix(st["Uid"], "33\t") || !strings.HasPrefix(st["Gid"], "34\t") {
		t.Errorf("--process user 33:34: Uid %q Gid %q", st["Uid"], st["Gid"])
	}
	env, err := os.ReadFile("/proc/" + itoa(pid) + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(env), "X=from-process-file\x00") {
		t.Errorf("--process env: %q", env)
	}
}

func TestExecBoundedByContainer(t *testing.T) {
	rt, b := setup(t)
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur); err != nil {
		t.Fatal(err)
	}
	soft := min(cur.Max, 123)
	b.Update(func(s *specs.Spec) {
		s.Process.NoNewPrivileges = true
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: cur.Max, Soft: soft}}
		c := s.Process.Capabilities
		c.Bounding = []string{"CAP_KILL", "CAP_CHOWN"}
		c.Effective, c.Permitted, c.Inheritable, c.Ambient = c.Bounding, c.Bounding, nil, nil
	})
	id, st := rt.RunningSleeper(t, b)
	init := procStatus(t, st.Pid)
	out := rt.ExecOut(t, id, "sh", "-c", "grep -E '^(CapBnd|CapEff|CapInh|CapAmb|NoNewPrivs)' /proc/self/status; ulimit -n")
	for _, key := range []string{"CapBnd", "CapEff", "NoNewPrivs"} {
		if !strings.Contains(out, key+":\t"+init[key]) {
			t.Errorf("exec'd %s differs from the init's %s:\n%s", key, init[key], out)
		}
	}
	for _, key := range []string{"CapInh", "CapAmb"} {
		if !strings.Contains(out, key+":\t0000000000000000") {
			t.Errorf("exec'd %s not empty:\n%s", key, out)
		}
	}
	if !strings.HasSuffix(out, "\n"+strconv.FormatUint(soft, 10)) {
		t.Errorf("exec'd RLIMIT_NOFILE soft: %q, want %d", out, soft)
	}
	// As runc, a capability named by --cap may go past the container's
	// bounding set (CAP_SYS_ADMIN is bit 21).
	if out := rt.ExecOut(t, "--cap", "CAP_SYS_ADMIN", id, "grep", "CapBnd", "/proc/self/status"); out != "CapBnd:\t0000000000200021" {
		t.Errorf("exec --cap CAP_SYS_ADMIN: %q, want CapBnd 0000000000200021", out)
	}
	out = rt.ExecOut(t, "--cap", "CAP_KILL", id, "grep", "CapEff", "/proc/self/status")
	if !strings.Contains(out, init["CapEff"]) {
		t.Errorf("exec --cap CAP_KILL: %s, want %s", out, init["CapEff"])
	}
}

func procStatus(t *testing.T, pid int) map[string]string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

func TestExecNoNewPrivsFlag(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	if out := rt.ExecOut(t, "--no-new-privs", id, "grep", "NoNewPrivs", "/proc/self/status"); !strings.HasSuffix(out, "1") {
		t.Errorf("exec --no-new-privs: %q", out)
	}
}

func TestExecForwardsSignals(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	cmd := rt.Command("exec", id, "sh", "-c", "trap 'exit 42' TERM; echo ready; while true; do sleep 0.05; done")
	var out testutil.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !out.WaitFor("ready", 10*time.Second) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("exec'd shell did not start")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 42 {
		t.Errorf("exec after SIGTERM: %v (status %d), want 42 from the trap", err, code)
	}
}

func TestExecTerminal(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	cs := testutil.NewConsoleSocket(t)
	rt.ExecDetached(t, "--tty", "--console-socket", cs.Path, id, "sh", "-c", "tty; sleep 100")
	master := cs.Master(t)
	defer master.Close()
	master.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 256)
	n, _ := master.Read(buf)
	if got := string(buf[:n]); !strings.HasPrefix(got, "/dev/pts/") {
		t.Errorf("tty in exec'd process: %q", got)
	}
	if res := rt.Run(t, "exec", "--tty", "--detach", id, "true"); res.ExitCode == 0 {
		t.Errorf("exec --tty --detach without --console-socket succeeded")
	}
}

func TestExecPreserveFds(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	f, err := os.CreateTemp(t.TempDir(), "fd")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("passed")
	f.Seek(0, 0)
	cmd := rt.Command("exec", "--preserve-fds", "1", id, "sh", "-c", "cat <&3; ls /proc/self/fd | wc -l")
	cmd.ExtraFiles = []*os.File{f}
	res := rt.RunCmd(t, cmd)
	// stdio, fd 3, and the fd ls opens on /proc/self/fd: five entries.
	if res.ExitCode != 0 || res.Stdout != "passed5\n" {
		t.Errorf("exec --preserve-fds 1: exit %d, %q, want \"passed5\\n\"", res.ExitCode, res.Stdout)
	}
}

func TestExecStoppedOrPaused(t *testing.T) {
	rt, b := setup(t)
	id, st := rt.RunningSleeper(t, b)
	freezer := cgroupDir(t, st.Pid, "freezer")
	if freezer == "" {
		t.Log("no v1 freezer: skipping the paused case")
	} else {
		state := filepath.Join(freezer, "freezer.state")
		if err := os.WriteFile(state, []byte("FROZEN"), 0); err != nil {
			t.Fatal(err)
		}
		res := rt.Run(t, "exec", id, "true")
		os.WriteFile(state, []byte("THAWED"), 0)
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, "paused") {
			t.Errorf("exec into a paused container: exit %d, %q", res.ExitCode, res.Stderr)
		}
	}
	rt.MustRun(t, "kill", id, "KILL")
	rt.WaitState(t, id, "stopped", 10*time.Second)
	res := rt.Run(t, "exec", id, "true")
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "stopped") {
		t.Errorf("exec into a stopped container: exit %d, %q", res.ExitCode, res.Stderr)
	}
}

// cgroupDir is the host path of pid's cgroup in a v1 hierarchy.
func cgroupDir(t *testing.T, pid int, controller string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) == 3 && parts[1] == controller {
			return filepath.Join("/sys/fs/cgroup", controller, parts[2])
		}
	}
	return ""
}

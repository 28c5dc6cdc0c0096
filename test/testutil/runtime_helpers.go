package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Setup is the usual start of a runtime test: the runtime and a fresh
// bundle.
func Setup(t testing.TB) (*Runtime, *Bundle) {
	t.Helper()
	rt := NewRuntime(t)
	return rt, NewBundle(t, rt)
}

// RunBundle runs the bundle in the foreground under a new ID.
func (rt *Runtime) RunBundle(t testing.TB, b *Bundle) Result {
	t.Helper()
	return rt.Run(t, "run", "--bundle", b.Dir, NewID(t))
}

// ShellOutput runs script in the bundle and returns its trimmed stdout,
// failing the test unless the container exits 0.
func (rt *Runtime) ShellOutput(t testing.TB, b *Bundle, script string) string {
	t.Helper()
	b.Shell(script)
	res := rt.RunBundle(t, b)
	if res.ExitCode != 0 {
		t.Fatalf("container script %q: exit %d", script, res.ExitCode)
	}
	return strings.TrimSpace(res.Stdout)
}

// StartDetached runs the bundle with run -d and waits until it runs.
func (rt *Runtime) StartDetached(t testing.TB, b *Bundle) (string, State) {
	t.Helper()
	id := NewID(t)
	rt.MustRun(t, "run", "-d", "--bundle", b.Dir, id)
	return id, rt.WaitState(t, id, "running", 10*time.Second)
}

// StartForeground starts `run` without waiting for it, for tests that
// signal the runtime process or the container while it runs.
func (rt *Runtime) StartForeground(t testing.TB, b *Bundle, id string) (*exec.Cmd, *Buffer, *Buffer) {
	t.Helper()
	cmd := rt.Command("run", "--bundle", b.Dir, id)
	var stdout, stderr Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s run: %v", rt.Name(), err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, &stdout, &stderr
}

// IsRunc11 tells whether the runtime under test is runc 1.1.x, whose
// known gaps some tests skip with the reason.
func (rt *Runtime) IsRunc11() bool {
	out, err := exec.Command(rt.Binary, "--version").Output()
	return err == nil && strings.HasPrefix(string(out), "runc version 1.1.")
}

// RunningSleeper starts the bundle with `sleep 1000` detached.
func (rt *Runtime) RunningSleeper(t testing.TB, b *Bundle) (string, State) {
	t.Helper()
	b.SetArgs("sleep", "1000")
	return rt.StartDetached(t, b)
}

// ExecOut runs `exec args...` and returns trimmed stdout, failing on a
// non-zero status.
func (rt *Runtime) ExecOut(t testing.TB, args ...string) string {
	t.Helper()
	res := rt.Run(t, append([]string{"exec"}, args...)...)
	if res.ExitCode != 0 {
		t.Fatalf("exec %v: exit %d", args, res.ExitCode)
	}
	return strings.TrimSpace(res.Stdout)
}

// ExecDetached runs `exec --detach --pid-file F args...` and returns the
// pid from F. The test process is the subreaper of that process: it kills
// and reaps it at the end, or the container's init (which waits for every
// process of its pid namespace to be reaped) could not finish dying.
func (rt *Runtime) ExecDetached(t testing.TB, args ...string) int {
	t.Helper()
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	rt.MustRun(t, append([]string{"exec", "--detach", "--pid-file", pidFile}, args...)...)
	raw, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("--pid-file: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatalf("pid file holds %q", raw)
	}
	t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGKILL)
		var ws syscall.WaitStatus
		syscall.Wait4(pid, &ws, 0, nil)
	})
	return pid
}

// ReadTerminal reads the pty master until the container closes its last
// slave fd (EIO), and returns the output trimmed, with "\r\n" as "\n".
func ReadTerminal(master *os.File) string {
	var out strings.Builder
	buf := make([]byte, 1024)
	for {
		n, err := master.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return strings.ReplaceAll(strings.TrimSpace(out.String()), "\r\n", "\n")
}

// AssertNothingLeft checks that a failed create or run of id left no state
// dir, cgroup, mount or process behind.
func (rt *Runtime) AssertNothingLeft(t testing.TB, id string, b *Bundle) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(rt.Root, id)); !os.IsNotExist(err) {
		t.Errorf("state dir %s left behind (%v)", filepath.Join(rt.Root, id), err)
	}
	cgroups, err := CgroupDirs(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(cgroups) > 0 {
		t.Errorf("cgroups left behind: %v", cgroups)
	}
	mounts, err := MountedUnder(b.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(mounts) > 0 {
		t.Errorf("mounts left behind: %v", mounts)
	}
	procs, err := ChildProcesses()
	if err != nil {
		t.Fatal(err)
	}
	if len(procs) > 0 {
		t.Errorf("processes left behind: %v", procs)
	}
}

// NsLink is the /proc/PID/ns/TYPE link of pid (a number or "self").
func NsLink(t testing.TB, pid any, typ string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%v/ns/%s", pid, typ))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// OneErrorLine checks stderr is a single line naming want: how berth
// reports bad input.
func OneErrorLine(t testing.TB, stderr, want string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Errorf("stderr %q: want one line naming %q", stderr, want)
	}
}

// PinnedCommand is Command run by `taskset -c cpus`: the runtime starts
// pinned to those CPUs, as when its caller (a CPU manager, a test harness)
// is, so tests can check what the container's processes inherit.
func (rt *Runtime) PinnedCommand(cpus string, args ...string) *exec.Cmd {
	return exec.Command("taskset", append([]string{"-c", cpus, rt.Binary, "--root", rt.Root}, args...)...)
}

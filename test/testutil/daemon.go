package testutil

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// DaemonEnv is the private home of one client (a daemon and its CLI): a short temp dir for its roots,
// state, sockets and logs (unix socket paths must stay under 108 bytes), the
// cgroup parent its containers go under, and the host paths the client
// insists on creating. Its cleanup, registered first and so run last, undoes
// all of it even when a test failed: processes left in the cgroup parent or
// naming the dir (shims, conmon), mounts under the dir, the cgroups, the dir.
type DaemonEnv struct {
	Dir       string
	Cgroup    string   // cgroup parent name; containers live below it in every hierarchy
	hostPaths []string // created by the client outside dir; removed if still empty
}

// NewDaemonEnv makes an env under the suite dir; name prefixes its dir.
func NewDaemonEnv(t testing.TB, name string) *DaemonEnv {
	t.Helper()
	base, err := SuiteDir()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp(base, name)
	if err != nil {
		t.Fatalf("make %s dir: %v", name, err)
	}
	e := &DaemonEnv{Dir: dir, Cgroup: NewID(t)}
	t.Cleanup(func() { e.cleanup(t) })
	return e
}

// Path is a path inside the env's dir.
func (e *DaemonEnv) Path(elem ...string) string {
	return filepath.Join(append([]string{e.Dir}, elem...)...)
}

// HostPath records p, outside the env's dir, to be removed at the end if
// the client creates it and leaves it empty. Call it before the client runs.
func (e *DaemonEnv) HostPath(p string) {
	if _, err := os.Lstat(p); os.IsNotExist(err) {
		e.hostPaths = append(e.hostPaths, p)
	}
}

func (e *DaemonEnv) cleanup(t testing.TB) {
	// Give exit hooks (podman's `container cleanup`, run by conmon) time to
	// finish before killing what is left.
	WaitFor(10*time.Second, func() bool { return len(e.strayProcesses()) == 0 })
	for _, pid := range e.strayProcesses() {
		t.Logf("cleanup: killing leftover process %d (%s)", pid, Cmdline(pid))
		_ = unix.Kill(pid, unix.SIGKILL)
	}
	e.killCgroupProcs(t)
	mounts, err := MountedUnder(e.Dir)
	if err != nil {
		t.Errorf("cleanup: %v", err)
	}
	// Deepest first, so that no mount holds another up.
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	for _, m := range mounts {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			t.Errorf("cleanup: unmount %s: %v", m, err)
		}
	}
	e.removeCgroups(t)
	if err := os.RemoveAll(e.Dir); err != nil {
		t.Errorf("cleanup: %v", err)
	}
	for i := len(e.hostPaths) - 1; i >= 0; i-- {
		_ = os.Remove(e.hostPaths[i]) // fails, as it should, unless empty
	}
}

// strayProcesses lists this process's live descendants whose command line
// names the env's dir: daemons' children (shims, conmon) that outlived them.
func (e *DaemonEnv) strayProcesses() []int {
	procs, err := ChildProcesses()
	if err != nil {
		return nil
	}
	var stray []int
	for _, p := range procs {
		if strings.Contains(Cmdline(p), e.Dir) {
			stray = append(stray, p)
		}
	}
	return stray
}

// Cmdline is the command line of pid, its arguments joined by spaces.
func Cmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))
}

// cgroupDirs lists the env's cgroup dirs in every hierarchy, deepest first.
func (e *DaemonEnv) cgroupDirs() []string {
	var dirs []string
	tops, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", e.Cgroup))
	if top := filepath.Join("/sys/fs/cgroup", e.Cgroup); isDir(top) {
		tops = append(tops, top) // a pure cgroup v2 host
	}
	for _, top := range tops {
		if !isCgroupFS(top) {
			// A controller not mounted on this host: conmon still makes
			// <ctrl>/<parent>/conmon/tasks in /sys/fs/cgroup's tmpfs, as
			// plain files under the env's own parent name.
			_ = os.RemoveAll(top)
			continue
		}
		_ = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	return dirs
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// killCgroupProcs thaws the env's cgroups and kills what is left in them:
// containers of a failed test whose shim is gone.
func (e *DaemonEnv) killCgroupProcs(t testing.TB) {
	for _, d := range e.cgroupDirs() {
		if _, err := os.Stat(filepath.Join(d, "freezer.state")); err == nil {
			_ = os.WriteFile(filepath.Join(d, "freezer.state"), []byte("THAWED"), 0)
		}
		data, err := os.ReadFile(filepath.Join(d, "cgroup.procs"))
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(data)) {
			if pid, err := strconv.Atoi(f); err == nil {
				t.Logf("cleanup: killing leftover process %d (%s) in cgroup %s", pid, Cmdline(pid), d)
				_ = unix.Kill(pid, unix.SIGKILL)
			}
		}
	}
}

// removeCgroups removes the env's cgroup dirs, waiting a little for killed
// processes to leave them.
func (e *DaemonEnv) removeCgroups(t testing.TB) {
	var left []string
	WaitFor(5*time.Second, func() bool {
		left = left[:0]
		for _, d := range e.cgroupDirs() {
			if err := unix.Rmdir(d); err != nil && err != unix.ENOENT {
				left = append(left, fmt.Sprintf("%s: %v", d, err))
			}
		}
		return len(left) == 0
	})
	for _, l := range left {
		t.Errorf("cleanup: remove cgroup %s", l)
	}
}

// Daemon is a client's daemon, started by a test and stopped by its
// cleanup, by PID.
type Daemon struct {
	name string
	cmd  *exec.Cmd
	Log  string
	done chan struct{}
}

// StartDaemon starts bin with args, its output in <env>/<name>.log, and
// waits until ready says it serves. The daemon is stopped (SIGTERM, then
// SIGKILL after 20s) when the test ends.
func (e *DaemonEnv) StartDaemon(t testing.TB, name string, ready func() bool, bin string, args ...string) *Daemon {
	t.Helper()
	d := &Daemon{name: name, Log: e.Path(name + ".log"), done: make(chan struct{})}
	logf, err := os.OpenFile(d.Log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatalf("%s log: %v", name, err)
	}
	defer logf.Close()
	d.cmd = exec.Command(bin, args...)
	d.cmd.Dir = e.Dir // not the source tree: daemons and their children write files there
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.SysProcAttr = &unix.SysProcAttr{Pdeathsig: unix.SIGTERM}
	if err := d.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = d.cmd.Wait(); close(d.done) }()
	t.Cleanup(func() { d.Stop(t) })
	start := time.Now()
	ok := WaitFor(30*time.Second, func() bool {
		select {
		case <-d.done:
			return true
		default:
			return ready()
		}
	})
	select {
	case <-d.done:
		t.Fatalf("%s exited at start: %s\n%s", name, d.cmd.ProcessState, Tail(d.Log, 30))
	default:
	}
	if !ok {
		t.Fatalf("%s not ready after 30s:\n%s", name, Tail(d.Log, 30))
	}
	t.Logf("%s ready in %s", name, time.Since(start).Round(time.Millisecond))
	return d
}

// Stop ends the daemon: SIGTERM, then SIGKILL after 20s.
func (d *Daemon) Stop(t testing.TB) {
	_ = d.cmd.Process.Signal(unix.SIGTERM)
	select {
	case <-d.done:
		return
	case <-time.After(20 * time.Second):
	}
	t.Errorf("%s did not stop on SIGTERM in 20s; killing it:\n%s", d.name, Tail(d.Log, 20))
	_ = d.cmd.Process.Kill()
	<-d.done
}

// Tail is the last n lines of a file.
func Tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Eventually fails t unless cond holds within timeout (polled as WaitFor
// does); why words the failure, read only then.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, why func() string) {
	t.Helper()
	if !WaitFor(timeout, cond) {
		t.Fatalf("after %v: %s", timeout, why())
	}
}

// WaitFor polls cond every 50ms until it holds or timeout passes.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

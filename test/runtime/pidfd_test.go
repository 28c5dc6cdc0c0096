package runtime_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// pidfdPid is the pid a pidfd refers to, from its fdinfo.
func pidfdPid(t *testing.T, f *os.File) int {
	t.Helper()
	info, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(int(f.Fd())))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(info), "\n") {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			pid, _ := strconv.Atoi(strings.TrimSpace(v))
			return pid
		}
	}
	t.Fatalf("fd %s is not a pidfd:\n%s", f.Name(), info)
	return 0
}

// TestPidfdSocket: create, run and exec --pidfd-socket send a pidfd of the
// process they start (runc 1.2+), which the receiver can signal.
func TestPidfdSocket(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "1000")
	id := testutil.NewID(t)
	sock := testutil.NewConsoleSocket(t)
	rt.MustRun(t, "create", "--bundle", b.Dir, "--pidfd-socket", sock.Path, id)
	initFd := sock.Master(t)
	defer initFd.Close()
	if got, want := pidfdPid(t, initFd), rt.State(t, id).Pid; got != want {
		t.Errorf("create --pidfd-socket: pidfd of pid %d, want the init's %d", got, want)
	}
	rt.MustRun(t, "start", id)

	execSock := testutil.NewConsoleSocket(t)
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	rt.MustRun(t, "exec", "-d", "--pid-file", pidFile, "--pidfd-socket", execSock.Path, id, "sleep", "1000")
	execFd := execSock.Master(t)
	defer execFd.Close()
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	execPid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	if got := pidfdPid(t, execFd); got != execPid {
		t.Errorf("exec --pidfd-socket: pidfd of pid %d, want the exec'd %d", got, execPid)
	}
	// The pidfd is live: a signal through it ends the process.
	if err := unix.PidfdSendSignal(int(execFd.Fd()), unix.SIGKILL, nil, 0); err != nil {
		t.Fatalf("pidfd_send_signal to the exec'd process: %v", err)
	}
	// The test binary is the subreaper of the detached process: reap it.
	var ws unix.WaitStatus
	if _, err := unix.Wait4(execPid, &ws, 0, nil); err != nil {
		t.Fatalf("wait for the exec'd process %d: %v", execPid, err)
	}
	if !ws.Signaled() || ws.Signal() != unix.SIGKILL {
		t.Errorf("exec'd process after SIGKILL through its pidfd: wait status %v", ws)
	}

	runSock := testutil.NewConsoleSocket(t)
	runID := testutil.NewID(t)
	rt.MustRun(t, "run", "-d", "--bundle", b.Dir, "--pidfd-socket", runSock.Path, runID)
	runFd := runSock.Master(t)
	defer runFd.Close()
	if got, want := pidfdPid(t, runFd), rt.State(t, runID).Pid; got != want {
		t.Errorf("run --pidfd-socket: pidfd of pid %d, want the init's %d", got, want)
	}

	// A socket nobody listens on fails create and leaves nothing behind.
	badID := testutil.NewID(t)
	res := rt.Run(t, "create", "--bundle", b.Dir, "--pidfd-socket", filepath.Join(t.TempDir(), "none"), badID)
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "pidfd socket") {
		t.Errorf("create with a dead --pidfd-socket: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
	if res := rt.Run(t, "state", badID); res.ExitCode == 0 {
		t.Errorf("create with a dead --pidfd-socket left container %s", badID)
	}
}

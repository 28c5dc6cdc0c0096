package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// parentOf reads a process's parent from /proc.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	ppid := testutil.ParentOf(pid)
	if ppid == 0 {
		t.Fatalf("process %d is gone: no parent to find", pid)
	}
	return ppid
}

// procField reads one "Name: value" line of a /proc/PID file.
func procField(pid int, file, name string) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// idleMonitor waits until the monitor of a running container is its C
// loop (one thread: a Go process has several) and returns its pid.
func idleMonitor(t *testing.T, e *env, name string) int {
	t.Helper()
	init, _ := strconv.Atoi(e.Inspect(name, "{{.State.Pid}}"))
	mon := parentOf(t, init)
	testutil.Eventually(t, 5*time.Second, func() bool { return procField(mon, "status", "Threads") == "1" },
		func() string {
			return fmt.Sprintf("monitor %d of %s never went idle: %s threads", mon, name, procField(mon, "status", "Threads"))
		})
	return mon
}

func TestIdleMonitor(t *testing.T) {
	e := newEnv(t)
	t.Run("log rotation and escaping", func(t *testing.T) {
		id := strings.TrimSpace(e.Must("run", "-d", "--name", "chatty", "--log-opt", "max-size=4k", "busybox", "sh", "-c",
			`sleep 0.5; i=0; while [ $i -lt 300 ]; do echo line $i; i=$((i+1)); done; printf '<&>"q"\t\\\n'; echo e >&2; exec sleep 100`))
		mon := idleMonitor(t, e, "chatty")
		e.WaitLog("chatty", "line 299")
		e.WaitLog("chatty", "e\n")
		// Memory that is this monitor's own: the goal is well under 1 MiB.
		dirty := procField(mon, "smaps_rollup", "Private_Dirty")
		if kb, _ := strconv.Atoi(strings.TrimSuffix(dirty, " kB")); kb == 0 || kb > 512 {
			t.Errorf("idle monitor Private_Dirty %q", dirty)
		}
		log := filepath.Join(e.Root, "containers", id, id+"-json.log")
		st, err := os.Stat(log)
		if err != nil || st.Size() > 4096 {
			t.Errorf("log not rotated at 4k: %v %v", st, err)
		}
		if _, err := os.Stat(log + ".1"); err != nil {
			t.Errorf("no rotated log: %v", err)
		}
		r := e.Run("logs", "chatty")
		if !strings.HasSuffix(r.Stdout, "line 299\n<&>\"q\"\t\\\n") || r.Stderr != "e\n" {
			t.Errorf("logs after rotation: stdout ends %q, stderr %q", r.Stdout[max(0, len(r.Stdout)-40):], r.Stderr)
		}
		if got := e.Inspect("chatty", "{{.State.Status}}"); got != "running" {
			t.Errorf("status %q", got)
		}
	})
	t.Run("exit code, restart and rm", func(t *testing.T) {
		e.Must("run", "-d", "--name", "fails", "--restart", "on-failure:2", "busybox", "sh", "-c", "sleep 0.3; echo try; exit 5")
		// Between runs the record says exited too: wait for the last one.
		const format = "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}"
		testutil.Eventually(t, 10*time.Second, func() bool { return e.Inspect("fails", format) == "exited 5 2" },
			func() string { return fmt.Sprintf("after restarts: %q, want exited 5 2", e.Inspect("fails", format)) })
		if got := e.Must("logs", "fails"); got != "try\ntry\ntry\n" {
			t.Errorf("logs of three runs: %q", got)
		}
		e.Must("run", "-d", "--rm", "--name", "gone", "busybox", "sh", "-c", "sleep 0.3")
		testutil.Eventually(t, 5*time.Second, func() bool { return e.Run("inspect", "gone").ExitCode != 0 },
			func() string { return "--rm container still there" })
	})
	t.Run("OOM", func(t *testing.T) {
		e.Must("run", "-d", "--name", "hog", "-m", "8m", "--memory-swap", "8m", "busybox", "sh", "-c", "sleep 0.3; tail /dev/zero")
		if got := strings.TrimSpace(e.Must("wait", "hog")); got != "137" {
			t.Errorf("wait: %q", got)
		}
		if got := e.Inspect("hog", "{{.State.OOMKilled}} {{.State.ExitCode}}"); got != "true 137" {
			t.Errorf("after OOM: %q", got)
		}
	})
	t.Run("SIGKILLed idle monitor", func(t *testing.T) {
		e.Must("run", "-d", "--name", "orphan2", "busybox", "sleep", "100")
		mon := idleMonitor(t, e, "orphan2")
		syscall.Kill(mon, syscall.SIGKILL)
		testutil.Eventually(t, 5*time.Second, func() bool { return testutil.ProcessEnded(mon) },
			func() string { return fmt.Sprintf("monitor %d still alive after SIGKILL", mon) })
		if got := e.Inspect("orphan2", "{{.State.Status}}"); got != "running" {
			t.Errorf("after monitor SIGKILL: %q, want running", got)
		}
		e.Must("rm", "-f", "orphan2")
		if r := e.Run("inspect", "orphan2"); r.ExitCode == 0 {
			t.Errorf("inspect after rm -f succeeded")
		}
	})
}

package engine_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

func TestDetachedLifecycle(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.Must("run", "-d", "--name", "web", "busybox", "sh", "-c", "echo out; echo err >&2; exec sleep 100"))
	if len(id) != 64 {
		t.Fatalf("run -d printed %q, want an ID", id)
	}
	if got := strings.TrimSpace(e.Must("ps", "--format", "{{.Names}} {{.State}}")); got != "web running" {
		t.Errorf("ps: %q", got)
	}
	e.WaitLog("web", "err")
	r := e.Run("logs", "web")
	if r.Stdout != "out\n" || r.Stderr != "err\n" {
		t.Errorf("logs kept apart: stdout %q stderr %q", r.Stdout, r.Stderr)
	}
	if got := e.Must("logs", "--tail", "0", "web"); got != "" {
		t.Errorf("--tail 0 printed %q", got)
	}
	if got := e.Must("logs", "-t", "web"); !strings.Contains(got, "Z out") {
		t.Errorf("-t: %q", got)
	}
	if r := e.Run("rm", "web"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "stop the container before removing") {
		t.Errorf("rm of running container: exit %d %q", r.ExitCode, r.Stderr)
	}
	if r := e.Run("run", "-d", "--name", "web", "busybox", "true"); r.ExitCode != 125 || !strings.Contains(r.Stderr, "already in use") {
		t.Errorf("name in use: exit %d %q", r.ExitCode, r.Stderr)
	}
	e.Must("kill", "-s", "TERM", "web") // sleep is PID 1 through exec: TERM is ignored
	e.Must("pause", "web")
	if got := e.Inspect("web", "{{.State.Status}} {{.State.Paused}}"); got != "paused true" {
		t.Errorf("after pause: %q", got)
	}
	e.Must("unpause", "web")
	e.Must("stop", "-t", "0", "web")
	if got := e.Inspect("web", "{{.State.Status}} {{.State.Running}} {{.State.ExitCode}}"); got != "exited false 137" {
		t.Errorf("after stop: %q", got)
	}
	if got := strings.TrimSpace(e.Must("wait", "web")); got != "137" {
		t.Errorf("wait: %q", got)
	}
	e.Must("rename", "web", "web2")
	e.Must("start", "web2")
	if got := e.Inspect("web2", "{{.State.Status}}"); got != "running" {
		t.Errorf("after start: %q", got)
	}
	e.Must("rm", "-f", "web2")
	if r := e.Run("inspect", "web2"); r.ExitCode == 0 {
		t.Errorf("inspect after rm succeeded")
	}
}

func TestCreateStartAttach(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "--name", "job", "busybox", "sh", "-c", "echo done; exit 5")
	if got := e.Inspect("job", "{{.State.Status}}"); got != "created" {
		t.Errorf("after create: %q", got)
	}
	r := e.Run("start", "-a", "job")
	if r.ExitCode != 5 || r.Stdout != "done\n" {
		t.Errorf("start -a: exit %d stdout %q", r.ExitCode, r.Stdout)
	}
	if got := strings.TrimSpace(e.Must("ps", "-a", "--filter", "exited=5", "--format", "{{.Names}}")); got != "job" {
		t.Errorf("ps --filter exited=5: %q", got)
	}
}

func TestRestartPolicy(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "flaky", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 1")
	const format = "{{.State.Status}} {{.RestartCount}}"
	testutil.Eventually(t, 10*time.Second, func() bool { return e.Inspect("flaky", format) == "exited 2" },
		func() string { return fmt.Sprintf("on-failure:2: %s, want exited 2", e.Inspect("flaky", format)) })
}

func TestRmAfterSIGKILLedMonitor(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "orphan", "busybox", "sleep", "100")
	mon, _ := strconv.Atoi(e.Inspect("orphan", "{{.State.Pid}}"))
	// Find the monitor: the container's init's parent.
	ppid := parentOf(t, mon)
	syscall.Kill(ppid, syscall.SIGKILL)
	testutil.Eventually(t, 5*time.Second, func() bool { return testutil.ProcessEnded(ppid) },
		func() string { return fmt.Sprintf("monitor %d still alive after SIGKILL", ppid) })
	// The container still runs: ps says so.
	if got := e.Inspect("orphan", "{{.State.Status}}"); got != "running" {
		t.Errorf("after monitor SIGKILL: %q, want running", got)
	}
	syscall.Kill(mon, syscall.SIGKILL)
	testutil.Eventually(t, 5*time.Second, func() bool { return e.Inspect("orphan", "{{.State.Status}}") == "exited" },
		func() string {
			return fmt.Sprintf("after init SIGKILL with no monitor: %q, want exited", e.Inspect("orphan", "{{.State.Status}}"))
		})
	e.Must("rm", "-f", "orphan")
}

func TestParallelRunRemove(t *testing.T) {
	e := newEnv(t)
	// Pulled first: 20 concurrent first uses of the built-in image once
	// gave a container a rootfs without /bin/sh (reported to the image
	// side); this test is about container records.
	e.Must("pull", "-q", "busybox")
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			name := fmt.Sprintf("par%d", i%10) // two runs per name: one must lose
			r := e.Run("run", "-d", "--name", name, "busybox", "sleep", "100")
			if r.ExitCode != 0 && !strings.Contains(r.Stderr, "already in use") {
				errs <- r.Stderr
			}
		}(i)
	}
	wg.Wait()
	names := strings.Fields(e.Must("ps", "-a", "--format", "{{.Names}}"))
	if len(names) != 10 {
		t.Errorf("%d containers for 10 names: %v", len(names), names)
	}
	for _, n := range names {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			if r := e.Run("rm", "-f", n); r.ExitCode != 0 {
				errs <- r.Stderr
			}
		}(n)
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Error(s)
	}
	if got := strings.TrimSpace(e.Must("ps", "-aq")); got != "" {
		t.Errorf("left after rm -f: %s", got)
	}
}

func TestRmiRefusesImageInUse(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "--name", "user", "busybox", "true")
	if r := e.Run("rmi", "busybox"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "in use") {
		t.Errorf("rmi of used image: exit %d %q", r.ExitCode, r.Stderr)
	}
}

func TestVolumes(t *testing.T) {
	e := newEnv(t)
	// An empty named volume is filled from the image at its mount point.
	out := e.Must("run", "--rm", "-v", "etcvol:/etc", "busybox", "cat", "/etc/passwd")
	if !strings.Contains(out, "root:") {
		t.Errorf("volume not filled from the image: %q", out)
	}
	e.Must("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f")
	if got := e.Must("run", "--rm", "--mount", "type=volume,source=data,target=/d", "busybox", "cat", "/d/f"); got != "kept\n" {
		t.Errorf("named volume content: %q", got)
	}
}

func TestExec(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "ex", "busybox", "sleep", "100")
	r := e.Run("exec", "-u", "nobody", "-w", "/tmp", "-e", "A=1", "ex", "sh", "-c", "id -u; pwd; echo $A; exit 4")
	if r.ExitCode != 4 || r.Stdout != "65534\n/tmp\n1\n" {
		t.Errorf("exec: exit %d stdout %q stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	// Docker's exec exits 126 for any process it cannot start in the
	// container, and 1 when the container cannot take an exec at all.
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"exec", "ex", "nosuch"}, 126},
		{[]string{"exec", "-w", "/nosuch", "ex", "pwd"}, 126},
		{[]string{"exec", "-u", "nosuchuser", "ex", "id"}, 126},
		{[]string{"exec", "nosuch", "true"}, 1},
	} {
		if r := e.Run(tc.args...); r.ExitCode != tc.code {
			t.Errorf("%v: exit %d, want %d (stderr %q)", tc.args, r.ExitCode, tc.code, r.Stderr)
		}
	}
	e.Must("pause", "ex")
	if r := e.Run("exec", "ex", "true"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "is paused") {
		t.Errorf("exec in a paused container: exit %d, stderr %q", r.ExitCode, r.Stderr)
	}
	e.Must("unpause", "ex")
	if r := e.Run("rm", "-f", "nosuch"); r.ExitCode != 0 || r.Stderr != "Error: No such container: nosuch\n" {
		t.Errorf("rm -f of a missing container: exit %d, stderr %q (Docker: 0, and says so)", r.ExitCode, r.Stderr)
	}
}

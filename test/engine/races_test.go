package engine_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// raceCycles is how many restarts and start-after-exit cycles the race
// tests run: 30 in CI; BERTH_RACE_CYCLES=200 for the figure.
func raceCycles(t *testing.T) int {
	if s := os.Getenv("BERTH_RACE_CYCLES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			t.Fatalf("BERTH_RACE_CYCLES=%q: want a positive number", s)
		}
		return n
	}
	return 30
}

// A start right after an exit used to race with the previous run's
// monitor, which tore down the netns and unmounted the rootfs after it had
// recorded the exit: the new start found "open network namespace ...: no
// such file" or a rootfs without sh. Each cycle here must start a
// container that really runs its shell on its network.
func TestRestartRace(t *testing.T) {
	e := newEnv(t)
	n := raceCycles(t)
	e.Must("run", "-d", "--name", "again", "busybox", "sh", "-c", "grep -q eth0 /proc/net/dev && exec sleep 100")
	fails := 0
	for i := 0; i < n; i++ {
		if r := e.Run("restart", "-t", "0", "again"); r.ExitCode != 0 {
			fails++
			t.Errorf("restart %d: exit %d: %s", i, r.ExitCode, r.Stderr)
		}
	}
	if got := e.Inspect("again", "{{.State.Status}}"); got != "running" {
		t.Errorf("after %d restarts: %q", n, got)
	}
	t.Logf("%d of %d restarts failed", fails, n)
}

func TestStartAfterExitRace(t *testing.T) {
	e := newEnv(t)
	n := raceCycles(t)
	// The shell fails (and the container exits 1) unless it has eth0.
	e.Must("create", "--name", "job", "busybox", "sh", "-c", "grep -q eth0 /proc/net/dev && echo up")
	fails := 0
	for i := 0; i < n; i++ {
		r := e.Run("start", "job")
		if r.ExitCode == 0 {
			r = e.Run("wait", "job")
			if strings.TrimSpace(r.Stdout) != "0" {
				r.ExitCode = 1
			}
		}
		if r.ExitCode != 0 {
			fails++
			t.Errorf("cycle %d: exit %d: %s%s", i, r.ExitCode, r.Stdout, r.Stderr)
		}
	}
	if got := strings.Count(e.Must("logs", "job"), "up\n"); got != n-fails {
		t.Errorf("%d runs logged up, want %d", got, n-fails)
	}
	t.Logf("%d of %d start cycles failed", fails, n)
}

// TestCreateStartRace: a new container each cycle, created then started
// at once (the second loop): the start must find its netns and
// rootfs, and the shell must run on its network.
func TestCreateStartRace(t *testing.T) {
	e := newEnv(t)
	n := raceCycles(t)
	fails := 0
	for i := 0; i < n; i++ {
		name := "fresh" + strconv.Itoa(i)
		e.Must("create", "--name", name, "busybox", "sh", "-c", "grep -q eth0 /proc/net/dev && echo up")
		r := e.Run("start", "-a", name)
		if r.ExitCode != 0 || r.Stdout != "up\n" {
			fails++
			t.Errorf("cycle %d: exit %d: %q %s", i, r.ExitCode, r.Stdout, r.Stderr)
		}
		e.Must("rm", "-f", name)
	}
	t.Logf("%d of %d create/start cycles failed", fails, n)
}

// start -a shows all a container writes, however fast it exits: the log
// follow used to end at the first look that took the monitor, between an
// exec of its own and the exit it was about to record, for a killed one,
// and printed nothing of the "up" in the log (issue 19; 1 in 200-400
// cycles under load, so this loops rather than times anything).
func TestStartAttachOutputLoop(t *testing.T) {
	e := newEnv(t)
	n := 50
	if s := os.Getenv("BERTH_RACE_CYCLES"); s != "" {
		n = raceCycles(t)
	}
	for i := 0; i < n; i++ {
		id := strings.TrimSpace(e.Must("create", "busybox", "sh", "-c", "echo up; exit 3"))
		if r := e.Run("start", "-a", id); r.ExitCode != 3 || r.Stdout != "up\n" {
			t.Errorf("cycle %d: start -a: exit %d stdout %q stderr %s", i, r.ExitCode, r.Stdout, r.Stderr)
		}
		e.Must("rm", id)
	}
}

// TestRestartWhileOldNetnsHeld: the engine leaves a stopped container's
// veth to the kernel's asynchronous namespace cleanup, which a restart can
// outrun under load (CI once failed "create veth ...: file exists"). A
// process inside the old namespace keeps it, and the veth, as long as it
// likes, so this test puts one there and restarts: the new start must take
// the name back and run on its network.
func TestRestartWhileOldNetnsHeld(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "held", "busybox", "sh", "-c", "grep -q eth0 /proc/net/dev && exec sleep 100")
	// Twice: the first command to see a fresh run root also runs the
	// network repair, which would remove the stale veth for the start.
	for i := 0; i < 2; i++ {
		holder := exec.Command("nsenter", "--net=/proc/"+e.Inspect("held", "{{.State.Pid}}")+"/ns/net", "sleep", "60")
		if err := holder.Start(); err != nil {
			t.Fatal(err)
		}
		r := e.Run("restart", "-t", "0", "held")
		_ = holder.Process.Kill()
		_ = holder.Wait()
		if r.ExitCode != 0 {
			t.Fatalf("restart %d with the old netns held: exit %d: %s", i, r.ExitCode, r.Stderr)
		}
		if got := e.Inspect("held", "{{.State.Status}}"); got != "running" {
			t.Fatalf("after restart %d with the old netns held: %q (logs: %s)", i, got, e.Run("logs", "held").Stderr)
		}
	}
}

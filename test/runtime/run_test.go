package runtime_test

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

func TestRunStdoutStderrSeparate(t *testing.T) {
	rt, b := setup(t)
	b.Shell("echo to-stdout; echo to-stderr >&2")
	res := rt.RunBundle(t, b)
	if res.ExitCode != 0 {
		t.Fatalf("exit %d", res.ExitCode)
	}
	if res.Stdout != "to-stdout\n" {
		t.Errorf("stdout %q, want %q", res.Stdout, "to-stdout\n")
	}
	if !strings.Contains(res.Stderr, "to-stderr\n") || strings.Contains(res.Stderr, "to-stdout") {
		t.Errorf("stderr %q, want it to hold to-stderr only", res.Stderr)
	}
}

func TestRunExitCode(t *testing.T) {
	rt, b := setup(t)
	b.Shell("exit 3")
	if res := rt.RunBundle(t, b); res.ExitCode != 3 {
		t.Errorf("exit %d, want 3", res.ExitCode)
	}
}

func TestRunStdin(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("cat")
	cmd := rt.Command("run", "--bundle", b.Dir, testutil.NewID(t))
	cmd.Stdin = strings.NewReader("through stdin\n")
	res := rt.RunCmd(t, cmd)
	if res.ExitCode != 0 || res.Stdout != "through stdin\n" {
		t.Errorf("cat: exit %d stdout %q, want 0 and the input", res.ExitCode, res.Stdout)
	}
}

// A container killed by signal N makes run exit 128+N, as a shell reports.
func TestRunKilledBySignal(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	id := testutil.NewID(t)
	cmd, _, _ := rt.StartForeground(t, b, id)
	rt.WaitState(t, id, "running", 10*time.Second)
	rt.MustRun(t, "kill", id, "KILL")
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 137 {
		t.Errorf("run after kill KILL: exit %d (%v), want 137", code, err)
	}
}

// Signals sent to the foreground runtime reach the container's process.
func TestRunForwardsSignals(t *testing.T) {
	rt, b := setup(t)
	b.Shell("trap 'exit 42' TERM; echo ready; while :; do sleep 0.1; done")
	id := testutil.NewID(t)
	cmd, stdout, _ := rt.StartForeground(t, b, id)
	rt.WaitState(t, id, "running", 10*time.Second)
	// The trap must be set before the signal arrives.
	if !stdout.WaitFor("ready", 10*time.Second) {
		t.Fatalf("container never printed ready; stdout %q", stdout)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 42 {
		t.Errorf("run after SIGTERM to the runtime: exit %d, want 42 (the trap's)", code)
	}
}

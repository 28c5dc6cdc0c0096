package engine_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOCIRuntimes runs containers through runc and crun (--runtime): the
// engine's commands work on them as on berth's own runtime, and nothing of
// them is left after rm.
func TestOCIRuntimes(t *testing.T) {
	for _, rt := range []string{"runc", "crun"} {
		t.Run(rt, func(t *testing.T) {
			if _, err := exec.LookPath(rt); err != nil {
				t.Skipf("requires %s (Debian package %s)", rt, rt)
			}
			testOCIRuntime(t, rt)
		})
	}
}

func testOCIRuntime(t *testing.T, rt string) {
	e := newEnv(t)
	// Foreground: output, exit code, Docker's 127.
	r := e.Run("run", "--rm", "--runtime", rt, "busybox", "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.ExitCode != 3 || r.Stdout != "out\n" || !strings.Contains(r.Stderr, "err\n") {
		t.Errorf("foreground run: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if r := e.Run("run", "--rm", "--runtime", rt, "busybox", "nosuchcommand"); r.ExitCode != 127 {
		t.Errorf("missing command: exit %d, want 127: %s", r.ExitCode, r.Stderr)
	}
	// With a terminal.
	if out := e.Must("run", "--rm", "-t", "--runtime", rt, "busybox", "tty"); !strings.HasPrefix(out, "/dev/pts/") {
		t.Errorf("run -t: tty printed %q", out)
	}

	// Detached, under the monitor.
	e.Must("run", "-d", "--name", "d", "--runtime", rt, "busybox", "sh", "-c", "echo ready; trap 'exit 7' TERM; while true; do sleep 0.1; done")
	e.WaitLog("d", "ready")
	if got := e.Inspect("d", "{{.State.Status}} {{.HostConfig.Runtime}}"); got != "running "+rt {
		t.Errorf("inspect: %q", got)
	}
	if out := e.Must("ps", "--format", "{{.Names}} {{.Status}}"); !strings.HasPrefix(out, "d Up") {
		t.Errorf("ps: %q", out)
	}
	if r := e.Run("exec", "d", "sh", "-c", "echo in-exec; exit 4"); r.ExitCode != 4 || r.Stdout != "in-exec\n" {
		t.Errorf("exec: exit %d, %q, %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if out := e.Must("exec", "-t", "d", "tty"); !strings.HasPrefix(out, "/dev/pts/") {
		t.Errorf("exec -t: tty printed %q", out)
	}
	if out := e.Must("top", "d"); !strings.Contains(out, "sleep") && !strings.Contains(out, "sh -c") {
		t.Errorf("top shows no process of the container:\n%s", out)
	}
	e.Must("pause", "d")
	if st := e.Inspect("d", "{{.State.Status}}"); st != "paused" {
		t.Errorf("after pause: %s", st)
	}
	e.Must("unpause", "d")
	e.Must("stop", "-t", "5", "d")
	if got := e.Inspect("d", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 7" {
		t.Errorf("after stop: %q, want exited 7", got)
	}
	// Started again, then removed while running.
	e.Must("start", "d")
	e.WaitLog("d", "ready\nready")
	e.Must("rm", "-f", "d")

	// -d -t: the pty's output is logged.
	e.Must("run", "-d", "-t", "--name", "tt", "--runtime", rt, "busybox", "sh", "-c", "tty; sleep 300")
	e.WaitLog("tt", "/dev/pts/")
	e.Must("rm", "-f", "tt")

	// Nothing of the runtime's is left.
	states, _ := filepath.Glob(filepath.Join(e.Runroot, "oci", "*", "*"))
	if len(states) > 0 {
		t.Errorf("runtime state left after rm: %v", states)
	}
}

// TestRuntimeFlagErrors: an unknown runtime is refused before anything is
// made (exit 125), and berth's own runtime stays the default.
func TestRuntimeFlagErrors(t *testing.T) {
	e := newEnv(t)
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, []byte("not a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, rt := range []string{"nosuch", "/nonexistent/runtime", plain} {
		r := e.Run("run", "--rm", "--runtime", rt, "busybox", "true")
		if r.ExitCode != 125 || !strings.Contains(r.Stderr, "unknown or invalid runtime name: "+rt) {
			t.Errorf("--runtime %s: exit %d, %q", rt, r.ExitCode, r.Stderr)
		}
	}
	if out := e.Must("ps", "-aq"); out != "" {
		t.Errorf("containers left by refused runs: %q", out)
	}
	e.Must("create", "--name", "own", "busybox", "true")
	if got := e.Inspect("own", "{{.HostConfig.Runtime}}"); got != "berth" {
		t.Errorf("default runtime: %q", got)
	}
}

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
	r := e.run("run", "--rm", "--runtime", rt, "busybox", "sh", "-c", "echo out; echo err >&2; exit 3")
	if r.code != 3 || r.stdout != "out\n" || !strings.Contains(r.stderr, "err\n") {
		t.Errorf("foreground run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := e.run("run", "--rm", "--runtime", rt, "busybox", "nosuchcommand"); r.code != 127 {
		t.Errorf("missing command: exit %d, want 127: %s", r.code, r.stderr)
	}
	// With a terminal.
	if out := e.must("run", "--rm", "-t", "--runtime", rt, "busybox", "tty"); !strings.HasPrefix(out, "/dev/pts/") {
		t.Errorf("run -t: tty printed %q", out)
	}

	// Detached, under the monitor.
	e.must("run", "-d", "--name", "d", "--runtime", rt, "busybox", "sh", "-c", "echo ready; trap 'exit 7' TERM; while true; do sleep 0.1; done")
	e.waitLog("d", "ready")
	if got := e.inspect("d", "{{.State.Status}} {{.HostConfig.Runtime}}"); got != "running "+rt {
		t.Errorf("inspect: %q", got)
	}
	if out := e.must("ps", "--format", "{{.Names}} {{.Status}}"); !strings.HasPrefix(out, "d Up") {
		t.Errorf("ps: %q", out)
	}
	if r := e.run("exec", "d", "sh", "-c", "echo in-exec; exit 4"); r.code != 4 || r.stdout != "in-exec\n" {
		t.Errorf("exec: exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	if out := e.must("exec", "-t", "d", "tty"); !strings.HasPrefix(out, "/dev/pts/") {
		t.Errorf("exec -t: tty printed %q", out)
	}
	if out := e.must("top", "d"); !strings.Contains(out, "sleep") && !strings.Contains(out, "sh -c") {
		t.Errorf("top shows no process of the container:\n%s", out)
	}
	e.must("pause", "d")
	if st := e.inspect("d", "{{.State.Status}}"); st != "paused" {
		t.Errorf("after pause: %s", st)
	}
	e.must("unpause", "d")
	e.must("stop", "-t", "5", "d")
	if got := e.inspect("d", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 7" {
		t.Errorf("after stop: %q, want exited 7", got)
	}
	// Started again, then removed while running.
	e.must("start", "d")
	e.waitLog("d", "ready\nready")
	e.must("rm", "-f", "d")

	// -d -t: the pty's output is logged.
	e.must("run", "-d", "-t", "--name", "tt", "--runtime", rt, "busybox", "sh", "-c", "tty; sleep 300")
	e.waitLog("tt", "/dev/pts/")
	e.must("rm", "-f", "tt")

	// Nothing of the runtime's is left.
	states, _ := filepath.Glob(filepath.Join(e.runroot, "oci", "*", "*"))
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
		r := e.run("run", "--rm", "--runtime", rt, "busybox", "true")
		if r.code != 125 || !strings.Contains(r.stderr, "unknown or invalid runtime name: "+rt) {
			t.Errorf("--runtime %s: exit %d, %q", rt, r.code, r.stderr)
		}
	}
	if out := e.must("ps", "-aq"); out != "" {
		t.Errorf("containers left by refused runs: %q", out)
	}
	e.must("create", "--name", "own", "busybox", "true")
	if got := e.inspect("own", "{{.HostConfig.Runtime}}"); got != "berth" {
		t.Errorf("default runtime: %q", got)
	}
}

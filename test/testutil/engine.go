package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Engine is one berth engine for a test: the built berth binary with a
// root and runroot of its own. The test's end removes every container
// (rm -f -v), prunes the networks (the default bridge and its nft table
// stay after their last container, as Docker's) and fails the test if a
// mount is left under its dir.
type Engine struct {
	T             *testing.T
	Bin           string
	Root, Runroot string
}

// NewEngine makes an engine under a temp dir of t.
func NewEngine(t *testing.T) *Engine {
	t.Helper()
	RequireRoot(t)
	bin, err := BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	e := &Engine{T: t, Bin: bin, Root: filepath.Join(dir, "root"), Runroot: filepath.Join(dir, "run")}
	t.Cleanup(func() {
		if ids := strings.Fields(e.Run("ps", "-aq", "--no-trunc").Stdout); len(ids) > 0 {
			e.Run(append([]string{"rm", "-f", "-v"}, ids...)...)
		}
		if r := e.Run("network", "prune", "-f"); r.ExitCode != 0 {
			t.Errorf("network prune: %s", r.Stderr)
		}
		if left, _ := MountedUnder(dir); len(left) > 0 {
			t.Errorf("mounts left under the test root: %v", left)
		}
	})
	return e
}

// Cmd is berth with args, on the engine's roots, not started.
func (e *Engine) Cmd(args ...string) *exec.Cmd {
	return exec.Command(e.Bin, append([]string{"--root", e.Root, "--runroot", e.Runroot}, args...)...)
}

// Run runs berth with no stdin and collects its result; only a failure
// to start it fails the test.
func (e *Engine) Run(args ...string) Result {
	e.T.Helper()
	return e.RunIn(nil, args...)
}

// RunIn runs berth with stdin (nil: none).
func (e *Engine) RunIn(stdin []byte, args ...string) Result {
	e.T.Helper()
	cmd := e.Cmd(args...)
	var out, errb bytes.Buffer
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := Result{Args: args, Stdout: out.String(), Stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		res.ExitCode = ee.ExitCode()
	} else if err != nil {
		e.T.Fatalf("berth %v: %v", args, err)
	}
	return res
}

// Must runs berth and fails the test unless it exits 0; it returns stdout.
func (e *Engine) Must(args ...string) string {
	e.T.Helper()
	r := e.Run(args...)
	if r.ExitCode != 0 {
		e.T.Fatalf("berth %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.ExitCode, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// Inspect is inspect -f format of ref, trimmed.
func (e *Engine) Inspect(ref, format string) string {
	e.T.Helper()
	return strings.TrimSpace(e.Must("inspect", "-f", format, ref))
}

// WaitLog waits until the container's log has text.
func (e *Engine) WaitLog(ref, text string) {
	e.T.Helper()
	Eventually(e.T, 5*time.Second, func() bool {
		r := e.Run("logs", ref)
		return strings.Contains(r.Stdout+r.Stderr, text)
	}, func() string { return fmt.Sprintf("%s never logged %q", ref, text) })
}

// Refused runs berth and wants exit 125 with one line of stderr holding
// want (and, from run, Docker's "See 'berth run --help'." after it). The
// image must be local (its first use prints progress).
func (e *Engine) Refused(want string, args ...string) {
	e.T.Helper()
	r := e.Run(args...)
	msg := strings.TrimSuffix(strings.TrimSpace(r.Stderr), "\nSee 'berth run --help'.")
	if r.ExitCode != 125 || !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		e.T.Errorf("berth %q: exit %d, stderr %q; want 125 and one line with %q", args, r.ExitCode, r.Stderr, want)
	}
}

// EngineMain is TestMain for the engine's test packages: containers get
// the default bridge network, and no test needs the host to forward for
// them, so berth leaves the host's ip_forward alone.
func EngineMain(m *testing.M) int {
	os.Setenv("BERTH_SKIP_IP_FORWARD", "1")
	return Main(m)
}

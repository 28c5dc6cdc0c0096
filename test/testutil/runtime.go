package testutil

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Runtime wraps an OCI runtime binary with a private --root, so tests never
// see each other's containers. Containers named by NewID are force-deleted
// when the test ends.
type Runtime struct {
	Binary string
	Root   string
}

// Result is what one runtime command did.
type Result struct {
	Args     []string
	Stdout   string
	Stderr   string
	ExitCode int
}

func (r Result) String() string {
	return fmt.Sprintf("command: %s\nexit status: %d\nstdout:\n%s\nstderr:\n%s",
		strings.Join(r.Args, " "), r.ExitCode, r.Stdout, r.Stderr)
}

// NewRuntime returns the runtime under test with a fresh --root.
func NewRuntime(t testing.TB) *Runtime {
	t.Helper()
	RequireRoot(t)
	bin, err := RuntimeBinary()
	if err != nil {
		t.Fatal(err)
	}
	rt := &Runtime{Binary: bin, Root: t.TempDir()}
	t.Cleanup(func() { rt.deleteAll(t) })
	return rt
}

// Name is the runtime's base name, such as "runc", "crun" or "berth-runtime".
func (rt *Runtime) Name() string { return filepath.Base(rt.Binary) }

// Command is the runtime with --root and args, not started.
func (rt *Runtime) Command(args ...string) *exec.Cmd {
	return exec.Command(rt.Binary, append([]string{"--root", rt.Root}, args...)...)
}

// Run runs the runtime to completion. Like runc's bats sane_run, it logs the
// command, exit status and output when the command fails, so a failing
// assertion comes with its context.
func (rt *Runtime) Run(t testing.TB, args ...string) Result {
	t.Helper()
	return rt.RunCmd(t, rt.Command(args...))
}

// RunCmd is Run for a prepared command (stdin, extra files, env). Unless
// the caller set them, stdout and stderr go to temp files, not pipes: create
// and run -d hand their stdio to the container, which would hold a pipe open
// and block the read until the container exits.
func (rt *Runtime) RunCmd(t testing.TB, cmd *exec.Cmd) Result {
	t.Helper()
	stdout, stderr := captureFile(t, &cmd.Stdout), captureFile(t, &cmd.Stderr)
	err := cmd.Run()
	res := Result{Args: cmd.Args, Stdout: stdout(), Stderr: stderr(), ExitCode: exitCode(err)}
	if res.ExitCode == -1 {
		t.Fatalf("run %s: %v", cmd.Path, err)
	}
	if res.ExitCode != 0 {
		t.Logf("%s", res)
	}
	return res
}

// captureFile points *w at a fresh temp file unless it is set, and returns
// a func reading what was written.
func captureFile(t testing.TB, w *io.Writer) func() string {
	t.Helper()
	if *w != nil {
		return func() string { return "" }
	}
	f, err := os.CreateTemp("", "out")
	if err != nil {
		t.Fatalf("capture output: %v", err)
	}
	os.Remove(f.Name())
	*w = f
	return func() string {
		defer f.Close()
		b, err := os.ReadFile("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
		if err != nil {
			t.Errorf("read captured output: %v", err)
		}
		return string(b)
	}
}

// MustRun is Run that fails the test unless the command exits 0.
func (rt *Runtime) MustRun(t testing.TB, args ...string) Result {
	t.Helper()
	res := rt.Run(t, args...)
	if res.ExitCode != 0 {
		t.Fatalf("%s %s: exit status %d", rt.Name(), strings.Join(args, " "), res.ExitCode)
	}
	return res
}

// exitCode is the command's exit status, 128+N after signal N, -1 when it
// did not run at all.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return -1
	}
	// A runtime killed by a signal reports it as a shell would.
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

var (
	idsMu sync.Mutex
	ids   []string
	badID = regexp.MustCompile(`[^a-z0-9]+`)
)

// NewID returns a container ID unique to this test, berthtest-<name>-<rand>,
// and records it for the leak check's cgroup scan.
func NewID(t testing.TB) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random id: %v", err)
	}
	name := strings.Trim(badID.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	id := "berthtest-" + name + "-" + hex.EncodeToString(b)
	idsMu.Lock()
	ids = append(ids, id)
	idsMu.Unlock()
	return id
}

// CreatedIDs lists every ID NewID handed out in this process.
func CreatedIDs() []string {
	idsMu.Lock()
	defer idsMu.Unlock()
	return append([]string(nil), ids...)
}

// State is the runtime's state JSON (runc's `state` output).
type State struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations"`
}

// State runs `state id` and decodes it; it fails the test on error.
func (rt *Runtime) State(t testing.TB, id string) State {
	t.Helper()
	res := rt.MustRun(t, "state", id)
	var st State
	if err := json.Unmarshal([]byte(res.Stdout), &st); err != nil {
		t.Fatalf("decode state of %s: %v\n%s", id, err, res.Stdout)
	}
	return st
}

// WaitState polls until the container reaches status or timeout passes.
func (rt *Runtime) WaitState(t testing.TB, id, status string, timeout time.Duration) State {
	t.Helper()
	var st State
	var err error
	Eventually(t, timeout, func() bool {
		var out []byte
		st = State{}
		out, err = rt.Command("state", id).Output()
		return err == nil && json.Unmarshal(out, &st) == nil && st.Status == status
	}, func() string {
		return fmt.Sprintf("container %s did not reach %q (last: %q, err %v)", id, status, st.Status, err)
	})
	return st
}

// deleteAll force-deletes every container under the private root, whoever
// made it, then checks the root is empty.
func (rt *Runtime) deleteAll(t testing.TB) {
	entries, err := os.ReadDir(rt.Root)
	if err != nil {
		if !os.IsNotExist(err) {
			t.Errorf("cleanup: read runtime root: %v", err)
		}
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		out, err := rt.Command("delete", "--force", e.Name()).CombinedOutput()
		if err != nil && !strings.Contains(string(out), "does not exist") {
			t.Errorf("cleanup: delete --force %s: %v: %s", e.Name(), err, out)
		}
	}
}

// Package runtime_test is berth-runtime's integration suite, written against
// runc's command line: every test runs real containers of a busybox rootfs
// and checks effects from inside them. BERTH_TEST_RUNTIME=runc (or crun)
// runs the same suite against another runtime, which is how the tests
// themselves are checked.
package runtime_test

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// setup is the usual start of a test: the runtime and a fresh bundle.
func setup(t *testing.T) (*testutil.Runtime, *testutil.Bundle) {
	t.Helper()
	rt := testutil.NewRuntime(t)
	return rt, testutil.NewBundle(t, rt)
}

// runBundle runs the bundle in the foreground under a new ID.
func runBundle(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle) testutil.Result {
	t.Helper()
	return rt.Run(t, "run", "--bundle", b.Dir, testutil.NewID(t))
}

// shellOutput runs script in the bundle and returns its trimmed stdout,
// failing the test unless the container exits 0.
func shellOutput(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle, script string) string {
	t.Helper()
	b.Shell(script)
	res := runBundle(t, rt, b)
	if res.ExitCode != 0 {
		t.Fatalf("container script %q: exit %d", script, res.ExitCode)
	}
	return strings.TrimSpace(res.Stdout)
}

// startDetached runs the bundle with run -d and waits until it runs.
func startDetached(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle) (string, testutil.State) {
	t.Helper()
	id := testutil.NewID(t)
	rt.MustRun(t, "run", "-d", "--bundle", b.Dir, id)
	return id, rt.WaitState(t, id, "running", 10*time.Second)
}

// startForeground starts `run` without waiting for it, for tests that
// signal the runtime process or the container while it runs.
func startForeground(t *testing.T, rt *testutil.Runtime, b *testutil.Bundle, id string) (*exec.Cmd, *testutil.Buffer, *testutil.Buffer) {
	t.Helper()
	cmd := rt.Command("run", "--bundle", b.Dir, id)
	var stdout, stderr testutil.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s run: %v", rt.Name(), err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, &stdout, &stderr
}

// isRunc11 tells whether the runtime under test is runc 1.1.x, whose
// known gaps some tests skip with the reason.
func isRunc11(rt *testutil.Runtime) bool {
	out, err := exec.Command(rt.Binary, "--version").Output()
	return err == nil && strings.HasPrefix(string(out), "runc version 1.1.")
}

func itoa(n int) string { return strconv.Itoa(n) }

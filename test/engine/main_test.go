// Package engine_test runs the berth CLI against real containers: every
// test gets an engine root and runroot of its own, and the suite ends with
// testutil's leak check (mounts, cgroups, processes).
package engine_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) {
	if os.Getenv(probeEnv) != "" { // perm_test.go: as an unprivileged user
		os.Exit(permProbe(os.Args[1:]))
	}
	// Containers get the default bridge network; tests never need the
	// host to forward for them.
	os.Setenv("BERTH_SKIP_IP_FORWARD", "1")
	os.Exit(testutil.Main(m))
}

// berthBinary builds cmd/berth once per test binary, as the Makefile does.
func berthBinary(t *testing.T) string {
	t.Helper()
	bin, err := testutil.BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// env is one engine: its own root and runroot, cleaned up with rm -f of
// every container at the end of the test.
type env struct {
	t             *testing.T
	bin           string
	root, runroot string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testutil.RequireRoot(t)
	dir := t.TempDir()
	e := &env{t: t, bin: berthBinary(t), root: filepath.Join(dir, "root"), runroot: filepath.Join(dir, "run")}
	t.Cleanup(func() {
		ids := strings.Fields(e.run("ps", "-aq", "--no-trunc").stdout)
		if len(ids) > 0 {
			e.run(append([]string{"rm", "-f", "-v"}, ids...)...)
		}
		// The default network (bridge, nft table) stays after its last
		// container, as Docker's: the root's end removes it.
		if r := e.run("network", "prune", "-f"); r.code != 0 {
			t.Errorf("network prune: %s", r.stderr)
		}
		if left, _ := testutil.MountedUnder(dir); len(left) > 0 {
			t.Errorf("mounts left under the test root: %v", left)
		}
	})
	return e
}

type result struct {
	stdout, stderr string
	code           int
}

func (e *env) cmd(args ...string) *exec.Cmd {
	full := append([]string{"--root", e.root, "--runroot", e.runroot}, args...)
	return exec.Command(e.bin, full...)
}

func (e *env) run(args ...string) result {
	e.t.Helper()
	return e.runIn(nil, args...)
}

// runIn runs berth with stdin (nil: none).
func (e *env) runIn(stdin []byte, args ...string) result {
	e.t.Helper()
	cmd := e.cmd(args...)
	var out, errb bytes.Buffer
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("berth %v: %v", args, err)
	}
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// must runs berth and fails the test unless it exits 0.
func (e *env) must(args ...string) string {
	e.t.Helper()
	r := e.run(args...)
	if r.code != 0 {
		e.t.Fatalf("berth %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

func (e *env) inspect(ref, format string) string {
	e.t.Helper()
	return strings.TrimSpace(e.must("inspect", "-f", format, ref))
}

// waitLog waits until the container's log has text.
func (e *env) waitLog(ref, text string) {
	e.t.Helper()
	testutil.Eventually(e.t, 5*time.Second, func() bool {
		r := e.run("logs", ref)
		return strings.Contains(r.stdout+r.stderr, text)
	}, func() string { return fmt.Sprintf("%s never logged %q", ref, text) })
}

// Package testutil holds the helpers shared by berth's integration tests:
// runtime binaries, bundles, console sockets and a leak check. Tests that use
// it run real containers as root, so every helper cleans up what it makes.
package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// EnvRuntime names the runtime binary under test; empty means build
// ./cmd/berth-runtime from the repository.
const EnvRuntime = "BERTH_TEST_RUNTIME"

var (
	suiteDir     string
	suiteDirOnce sync.Once
	suiteDirErr  error
)

// SuiteDir is one temp dir per test binary. Main points TMPDIR into it so
// that every t.TempDir lands there and the leak check can tell our mounts
// from those of other test binaries running at the same time.
func SuiteDir() (string, error) {
	suiteDirOnce.Do(func() {
		// /tmp directly, not $TMPDIR: unix socket paths must stay short.
		suiteDir, suiteDirErr = os.MkdirTemp("/tmp", "berthtest-suite-")
		if suiteDirErr != nil {
			suiteDirErr = fmt.Errorf("make suite dir: %w", suiteDirErr)
		}
	})
	return suiteDir, suiteDirErr
}

// Main runs the tests of an integration test binary: it makes the process a
// child subreaper (so daemonized container processes come back to it instead
// of PID 1, which does not reap here), snapshots host resources, runs m and
// fails the run if a mount, cgroup, network namespace, veth or process
// remains. Use it from TestMain: os.Exit(testutil.Main(m)).
func Main(m *testing.M) int {
	dir, err := SuiteDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if err := os.Setenv("TMPDIR", dir); err != nil {
		fmt.Fprintln(os.Stderr, "set TMPDIR:", err)
		return 1
	}
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "become child subreaper:", err)
		return 1
	}
	before, err := Snapshot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "leak check:", err)
		return 1
	}
	code := m.Run()
	leaks, err := LeakCheck(before)
	if err != nil {
		fmt.Fprintln(os.Stderr, "leak check:", err)
		return 1
	}
	if len(leaks) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: leak check: the tests left behind:\n  %s\n", strings.Join(leaks, "\n  "))
		return 1
	}
	return code
}

// RequireRoot skips t unless it runs as root: every integration test needs
// namespaces, mounts and cgroups.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("requires root (integration test creates namespaces, mounts and cgroups)")
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// RuntimeBinary is the runtime under test: $BERTH_TEST_RUNTIME (a path or a
// name on $PATH, such as runc), else bin/berth-runtime built once per test
// binary with the Makefile's flags.
func RuntimeBinary() (string, error) {
	binOnce.Do(func() {
		if name := os.Getenv(EnvRuntime); name != "" {
			binPath, binErr = exec.LookPath(name)
			if binErr != nil {
				binErr = fmt.Errorf("%s=%s: %w", EnvRuntime, name, binErr)
			}
			return
		}
		binPath, binErr = buildRuntime()
	})
	return binPath, binErr
}

func buildRuntime() (string, error) {
	out, err := buildCommand("berth-runtime")
	if err != nil {
		return "", fmt.Errorf("%w (set %s to test another runtime)", err, EnvRuntime)
	}
	return out, nil
}

var (
	berthOnce sync.Once
	berthPath string
	berthErr  error
)

// EnvBerth names a berth binary to test instead of building one (say,
// one from another checkout).
const EnvBerth = "BERTH_BINARY"

// BerthBinary is bin/berth built once per test binary with the Makefile's
// flags, into the suite dir, or $BERTH_BINARY. Every suite that runs the
// berth command gets it here, so all test the same build.
func BerthBinary() (string, error) {
	berthOnce.Do(func() {
		if p := os.Getenv(EnvBerth); p != "" {
			berthPath, berthErr = filepath.Abs(p)
			return
		}
		berthPath, berthErr = buildCommand("berth")
	})
	return berthPath, berthErr
}

// buildCommand builds ./cmd/<name> static, as the Makefile does, into the
// suite dir.
func buildCommand(name string) (string, error) {
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	dir, err := SuiteDir()
	if err != nil {
		return "", err
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-tags", "netgo,osusergo",
		"-ldflags", "-s -w -extldflags=-static", "-o", out, "./cmd/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if name == "berth-runtime" {
		// The Makefile's RUNTIME_GOEXPERIMENT: test the collector shipped.
		cmd.Env = append(cmd.Env, "GOEXPERIMENT=nogreenteagc")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s: %w\n%s", name, err, b)
	}
	return out, nil
}

// RepoRoot is the directory holding go.mod, found from the working dir.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repo root: no go.mod above the working dir")
		}
		dir = parent
	}
}

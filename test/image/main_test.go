// Package image_test runs the berth binary against real registries
// (Debian's docker-registry on 127.0.0.1), real archives (skopeo as the
// peer) and real overlay snapshots, as root.
package image_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// berthBinary is the berth command under test (testutil.BerthBinary).
func berthBinary(t *testing.T) string {
	t.Helper()
	bin, err := testutil.BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// env is one berth state root with its own credentials directory.
type env struct {
	t    *testing.T
	root string
	conf string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	testutil.RequireRoot(t)
	dir := t.TempDir()
	e := &env{t: t, root: filepath.Join(dir, "root"), conf: filepath.Join(dir, "docker")}
	t.Cleanup(func() { unmountAll(t, dir) })
	return e
}

// run runs berth and returns stdout, stderr and the exit code.
func (e *env) run(stdin []byte, args ...string) (string, string, int) {
	e.t.Helper()
	full := append([]string{"--root", e.root, "--config", e.conf}, args...)
	cmd := exec.Command(berthBinary(e.t), full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("run berth %s: %v", strings.Join(args, " "), err)
	}
	return stdout.String(), stderr.String(), code
}

// ok runs berth and fails the test, showing its output, unless it exits 0.
func (e *env) ok(args ...string) string {
	e.t.Helper()
	out, errOut, code := e.run(nil, args...)
	if code != 0 {
		e.t.Fatalf("berth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fail runs berth, expects exit code want and returns stderr.
func (e *env) fail(want int, args ...string) string {
	e.t.Helper()
	out, errOut, code := e.run(nil, args...)
	if code != want {
		e.t.Fatalf("berth %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, out, errOut)
	}
	return errOut
}

// unmountAll lazily unmounts anything a failed test left mounted under dir.
func unmountAll(t *testing.T, dir string) {
	mounts, err := testutil.MountedUnder(dir)
	if err != nil {
		t.Errorf("list mounts under %s: %v", dir, err)
		return
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	for i := range mounts {
		if err := exec.Command("umount", "-l", mounts[i]).Run(); err != nil {
			t.Errorf("unmount %s: %v", mounts[i], err)
		}
	}
}

package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// killDelays are the moments after its start at which a command is
// SIGKILLed: from before it did anything to after it is done.
var killDelays = []time.Duration{0, 2, 5, 10, 20, 30, 45, 60, 80, 110, 150, 250}

// killAt starts berth with args and SIGKILLs it after d (or lets it end).
func (e *env) killAt(d time.Duration, stdin *os.File, args ...string) {
	e.t.Helper()
	cmd := e.cmd(args...)
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	time.Sleep(d)
	cmd.Process.Kill()
	cmd.Wait()
}

// storageLeft lists what the root holds once everything is pruned:
// blobs, ingest leftovers, snapshots, container and run dirs, mounts and
// the containers' cgroups.
func (e *env) storageLeft(ids ...string) []string {
	e.t.Helper()
	var left []string
	for _, dir := range []string{"blobs/sha256", "ingest", "snapshots/overlay/snapshots", "containers"} {
		entries, _ := os.ReadDir(filepath.Join(e.root, dir))
		for _, en := range entries {
			if dir == "ingest" && en.Name() == "gc.lock" {
				continue
			}
			left = append(left, filepath.Join(dir, en.Name()))
		}
	}
	entries, _ := os.ReadDir(filepath.Join(e.runroot, "containers"))
	for _, en := range entries {
		left = append(left, "run/containers/"+en.Name())
	}
	mounts, _ := testutil.MountedUnder(filepath.Dir(e.root))
	left = append(left, mounts...)
	cgs, _ := testutil.CgroupDirs(ids...)
	return append(left, cgs...)
}

// pruneAll waits until no container runs (a killed run may have started
// one that is ending) and prunes everything.
func (e *env) pruneAll() {
	e.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); strings.TrimSpace(e.must("ps", "-q")) != ""; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			e.t.Fatalf("containers still run: %s", e.must("ps"))
		}
	}
	e.must("system", "prune", "-a", "-f")
}

// TestKillAnyMomentPruneLeavesNothing SIGKILLs create, run, rm and load at
// many moments; after each, `system prune -a -f` must leave no blob,
// ingest file, snapshot, container dir, mount or cgroup.
func TestKillAnyMomentPruneLeavesNothing(t *testing.T) {
	e := newEnv(t)
	archive := filepath.Join(t.TempDir(), "busybox.tar")
	e.must("pull", "busybox")
	e.must("save", "-o", archive, "busybox")
	e.pruneAll()
	steps := []struct {
		name string
		prep func() // makes what the killed command works on
		args func() []string
	}{
		{"create", nil, func() []string { return []string{"create", "busybox", "true"} }},
		{"run", nil, func() []string { return []string{"run", "-d", "busybox", "true"} }},
		{"rm", func() { e.must("create", "--name", "victim", "busybox", "true") },
			func() []string { return []string{"rm", "victim"} }},
		{"load", nil, func() []string { return []string{"load", "-i", archive} }},
	}
	for _, st := range steps {
		for _, d := range killDelays {
			if st.prep != nil {
				st.prep()
			}
			ids := strings.Fields(e.must("ps", "-aq", "--no-trunc"))
			e.killAt(d, nil, st.args()...)
			ids = append(ids, strings.Fields(e.must("ps", "-aq", "--no-trunc"))...)
			e.pruneAll()
			if left := e.storageLeft(ids...); len(left) > 0 {
				t.Errorf("%s killed after %v: prune left %v", st.name, d, left)
			}
		}
	}
}

package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// killDelays are the moments after its start at which a command is
// SIGKILLed: from before it did anything to after it is done.
var killDelays = []time.Duration{0, 2, 5, 10, 20, 30, 45, 60, 80, 110, 150, 250}

// killAt starts berth with args and SIGKILLs it after d (or lets it end).
func (e *env) killAt(d time.Duration, stdin *os.File, args ...string) {
	e.T.Helper()
	cmd := e.Cmd(args...)
	cmd.Stdin = stdin
	if err := cmd.Start(); err != nil {
		e.T.Fatal(err)
	}
	time.Sleep(d)
	cmd.Process.Kill()
	cmd.Wait()
}

// storageLeft lists what the root holds once everything is pruned:
// blobs, ingest leftovers, snapshots, container and run dirs, mounts and
// the containers' cgroups.
func (e *env) storageLeft(ids ...string) []string {
	e.T.Helper()
	var left []string
	for _, dir := range []string{"blobs/sha256", "ingest", "snapshots/overlay/snapshots", "containers"} {
		entries, _ := os.ReadDir(filepath.Join(e.Root, dir))
		for _, en := range entries {
			if dir == "ingest" && en.Name() == "gc.lock" {
				continue
			}
			left = append(left, filepath.Join(dir, en.Name()))
		}
	}
	entries, _ := os.ReadDir(filepath.Join(e.Runroot, "containers"))
	for _, en := range entries {
		left = append(left, "run/containers/"+en.Name())
	}
	mounts, _ := testutil.MountedUnder(filepath.Dir(e.Root))
	left = append(left, mounts...)
	cgs, _ := testutil.CgroupDirs(ids...)
	return append(left, cgs...)
}

// pruneAll waits until no container runs (a killed run may have started
// one that is ending) and prunes everything.
func (e *env) pruneAll() {
	e.T.Helper()
	testutil.Eventually(e.T, 10*time.Second, func() bool { return strings.TrimSpace(e.Must("ps", "-q")) == "" },
		func() string { return "containers still run: " + e.Must("ps") })
	e.Must("system", "prune", "-a", "-f")
}

// TestKillAnyMomentPruneLeavesNothing SIGKILLs create, run, rm and load at
// many moments; after each, `system prune -a -f` must leave no blob,
// ingest file, snapshot, container dir, mount or cgroup.
func TestKillAnyMomentPruneLeavesNothing(t *testing.T) {
	e := newEnv(t)
	archive := filepath.Join(t.TempDir(), "busybox.tar")
	e.Must("pull", "busybox")
	e.Must("save", "-o", archive, "busybox")
	e.pruneAll()
	steps := []struct {
		name string
		prep func() // makes what the killed command works on
		args func() []string
	}{
		{"create", nil, func() []string { return []string{"create", "busybox", "true"} }},
		{"run", nil, func() []string { return []string{"run", "-d", "busybox", "true"} }},
		{"rm", func() { e.Must("create", "--name", "victim", "busybox", "true") },
			func() []string { return []string{"rm", "victim"} }},
		{"load", nil, func() []string { return []string{"load", "-i", archive} }},
	}
	for _, st := range steps {
		for _, d := range killDelays {
			if st.prep != nil {
				st.prep()
			}
			ids := strings.Fields(e.Must("ps", "-aq", "--no-trunc"))
			e.killAt(d, nil, st.args()...)
			ids = append(ids, strings.Fields(e.Must("ps", "-aq", "--no-trunc"))...)
			e.pruneAll()
			if left := e.storageLeft(ids...); len(left) > 0 {
				t.Errorf("%s killed after %v: prune left %v", st.name, d, left)
			}
		}
	}
}

// killInWindow starts berth with args and, as soon as a new entry appears
// in dir, takes the flock of the bbolt file db, which the command needs
// for its next step: it waits there, in the window between two writes, and
// is SIGKILLed in it.
func (e *env) killInWindow(dir, db string, args ...string) {
	e.T.Helper()
	before := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, en := range entries {
		before[en.Name()] = true
	}
	cmd := e.Cmd(args...)
	if err := cmd.Start(); err != nil {
		e.T.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	for deadline := time.Now().Add(20 * time.Second); ; {
		entries, _ := os.ReadDir(dir)
		if len(entries) > len(before) {
			break
		}
		if time.Now().After(deadline) {
			e.T.Fatalf("berth %v never made anything in %s", args, dir)
		}
	}
	f, err := os.OpenFile(db, os.O_RDWR, 0)
	if err != nil {
		e.T.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		e.T.Fatal(err)
	}
	// It has reached the lock once it holds the file open (bbolt retries
	// a non-blocking flock, so there is no waiter to see in /proc/locks).
	testutil.Eventually(e.T, 20*time.Second, func() bool { return testutil.HasOpen(cmd.Process.Pid, db) },
		func() string { return fmt.Sprintf("berth %v never opened %s", args, db) })
}

// TestKillInWindowPruneLeavesNothing kills create between its container
// dir (and snapshot) and its record, and load between an unpack's snapshot and its commit: the
// windows a kill at a random moment rarely hits.
func TestKillInWindowPruneLeavesNothing(t *testing.T) {
	e := newEnv(t)
	archive := filepath.Join(t.TempDir(), "busybox.tar")
	e.Must("pull", "busybox")
	e.Must("save", "-o", archive, "busybox")
	snaps := filepath.Join(e.Root, "snapshots", "overlay", "snapshots")
	// containers/<id> is made before the snapshot; the record needs the
	// root's db.
	e.killInWindow(filepath.Join(e.Root, "containers"), filepath.Join(e.Root, "metadata.db"), "create", "busybox", "true")
	e.pruneAll()
	if left := e.storageLeft(); len(left) > 0 {
		t.Errorf("create killed before its record: prune left %v", left)
	}
	e.killInWindow(snaps, filepath.Join(e.Root, "snapshots", "overlay", "metadata.db"), "load", "-i", archive)
	e.pruneAll()
	if left := e.storageLeft(); len(left) > 0 {
		t.Errorf("load killed before its unpack committed: prune left %v", left)
	}
}

// TestKilledMonitor: a foreground `run --rm` SIGKILLed while its container
// runs leaves a container that goes once it exits (the next command
// applies the --rm the killed monitor could not); a detached container
// whose monitor is SIGKILLed shows so in ps instead of a plain Up.
func TestKilledMonitor(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	cmd := e.Cmd("run", "--rm", "--name", "fg", "busybox", "sleep", "1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool { return e.Run("inspect", "-f", "{{.State.Running}}", "fg").Stdout == "true\n" },
		func() string { return "fg never ran" })
	id := e.Inspect("fg", "{{.ID}}")
	cmd.Process.Kill()
	cmd.Wait()
	testutil.Eventually(t, 10*time.Second, func() bool { return !strings.Contains(e.Must("ps", "-a", "--no-trunc"), id) },
		func() string { return "the --rm container is still there after it exited:\n" + e.Must("ps", "-a") })
	if _, err := os.Stat(filepath.Join(e.Root, "containers", id)); !os.IsNotExist(err) {
		t.Errorf("container dir of the removed --rm container: %v", err)
	}

	e.Must("run", "-d", "--name", "bg", "busybox", "sleep", "600")
	pid := e.Inspect("bg", "{{.State.Pid}}")
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	monitor, _ := strconv.Atoi(fields[1]) // the init's parent
	if err := syscall.Kill(monitor, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 5*time.Second, func() bool { return strings.Contains(e.Must("ps"), "monitor killed") },
		func() string { return "ps after the monitor was killed:\n" + e.Must("ps") })
	e.Must("rm", "-f", "bg")
}

package engine_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// reboot does to e's containers what a reboot does: every container
// process and monitor SIGKILLed at once (no exit recorded), then /run's
// tmpfs gone (its mounts and files).
func (e *env) reboot(names ...string) {
	e.t.Helper()
	for _, n := range names {
		pid, _ := strconv.Atoi(e.inspect(n, "{{.State.Pid}}"))
		mon := parentOf(e.t, pid)
		unix.Kill(mon, unix.SIGKILL)
		unix.Kill(pid, unix.SIGKILL)
		testutil.Eventually(e.t, 5*time.Second, func() bool { return testutil.ProcessEnded(pid) && testutil.ProcessEnded(mon) },
			func() string { return fmt.Sprintf("%s: init %d or monitor %d outlived SIGKILL", n, pid, mon) })
	}
	mounts, err := testutil.MountedUnder(e.runroot)
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(mounts))) // inner ones first
	for _, m := range mounts {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil {
			e.t.Fatalf("unmount %s: %v", m, err)
		}
	}
	if err := os.RemoveAll(e.runroot); err != nil {
		e.t.Fatal(err)
	}
}

func TestSystemBoot(t *testing.T) {
	e := newEnv(t)
	run := func(name, policy string) {
		e.must("run", "-d", "--name", name, "--restart", policy, "busybox", "sleep", "1000")
	}
	run("always", "always")
	run("unless", "unless-stopped")
	run("stopped", "unless-stopped")
	run("onfail", "on-failure")
	run("never", "no")
	e.must("create", "--name", "created", "--restart", "always", "busybox", "sleep", "1000")
	e.must("stop", "-t", "0", "stopped")
	e.reboot("always", "unless", "onfail", "never")
	if _, err := os.Stat(filepath.Join(e.runroot, "runtime")); !os.IsNotExist(err) {
		t.Fatalf("run state still there: %v", err)
	}

	got := strings.Fields(e.must("system", "boot"))
	sort.Strings(got)
	if strings.Join(got, " ") != "always unless" {
		t.Errorf("boot started %v, want always and unless", got)
	}
	state := func() string {
		return strings.TrimSpace(e.must("ps", "-a", "--format", "{{.Names}}={{.State}}"))
	}
	want := map[string]string{"always": "running", "unless": "running", "stopped": "exited", "onfail": "exited", "never": "exited", "created": "created"}
	check := func(when string) {
		for _, l := range strings.Fields(state()) {
			n, s, _ := strings.Cut(l, "=")
			if want[n] != s {
				t.Errorf("%s: %s is %s, want %s", when, n, s, want[n])
			}
		}
	}
	check("after boot")
	// The started ones really run: exec works, and they keep their data.
	if out := e.must("exec", "always", "echo", "up"); out != "up\n" {
		t.Errorf("exec after boot: %q", out)
	}
	pid := e.inspect("always", "{{.State.Pid}}")
	// Idempotent: a second boot starts nothing and leaves what runs.
	if out := e.must("system", "boot"); out != "" {
		t.Errorf("second boot started %q", out)
	}
	if again := e.inspect("always", "{{.State.Pid}}"); again != pid {
		t.Errorf("second boot restarted always: pid %s then %s", pid, again)
	}
	check("after a second boot")
	// What a stale container recorded: an exit, and the stale one can be
	// started and removed as usual.
	if got := e.inspect("onfail", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 255" {
		t.Errorf("stale on-failure container: %q", got)
	}
	e.must("start", "never")
	e.must("rm", "-f", "never")
}

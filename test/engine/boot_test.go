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
	e.T.Helper()
	for _, n := range names {
		pid, _ := strconv.Atoi(e.Inspect(n, "{{.State.Pid}}"))
		mon := parentOf(e.T, pid)
		unix.Kill(mon, unix.SIGKILL)
		unix.Kill(pid, unix.SIGKILL)
		testutil.Eventually(e.T, 5*time.Second, func() bool { return testutil.ProcessEnded(pid) && testutil.ProcessEnded(mon) },
			func() string { return fmt.Sprintf("%s: init %d or monitor %d outlived SIGKILL", n, pid, mon) })
	}
	mounts, err := testutil.MountedUnder(e.Runroot)
	if err != nil {
		e.T.Fatal(err)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(mounts))) // inner ones first
	for _, m := range mounts {
		if err := unix.Unmount(m, unix.MNT_DETACH); err != nil {
			e.T.Fatalf("unmount %s: %v", m, err)
		}
	}
	if err := os.RemoveAll(e.Runroot); err != nil {
		e.T.Fatal(err)
	}
}

func TestSystemBoot(t *testing.T) {
	e := newEnv(t)
	run := func(name, policy string) {
		e.Must("run", "-d", "--name", name, "--restart", policy, "busybox", "sleep", "1000")
	}
	run("always", "always")
	run("unless", "unless-stopped")
	run("stopped", "unless-stopped")
	run("onfail", "on-failure")
	run("never", "no")
	e.Must("create", "--name", "created", "--restart", "always", "busybox", "sleep", "1000")
	e.Must("stop", "-t", "0", "stopped")
	e.reboot("always", "unless", "onfail", "never")
	if _, err := os.Stat(filepath.Join(e.Runroot, "runtime")); !os.IsNotExist(err) {
		t.Fatalf("run state still there: %v", err)
	}

	got := strings.Fields(e.Must("system", "boot"))
	sort.Strings(got)
	if strings.Join(got, " ") != "always unless" {
		t.Errorf("boot started %v, want always and unless", got)
	}
	state := func() string {
		return strings.TrimSpace(e.Must("ps", "-a", "--format", "{{.Names}}={{.State}}"))
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
	if out := e.Must("exec", "always", "echo", "up"); out != "up\n" {
		t.Errorf("exec after boot: %q", out)
	}
	pid := e.Inspect("always", "{{.State.Pid}}")
	// Idempotent: a second boot starts nothing and leaves what runs.
	if out := e.Must("system", "boot"); out != "" {
		t.Errorf("second boot started %q", out)
	}
	if again := e.Inspect("always", "{{.State.Pid}}"); again != pid {
		t.Errorf("second boot restarted always: pid %s then %s", pid, again)
	}
	check("after a second boot")
	// What a stale container recorded: an exit, and the stale one can be
	// started and removed as usual.
	if got := e.Inspect("onfail", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 255" {
		t.Errorf("stale on-failure container: %q", got)
	}
	e.Must("start", "never")
	e.Must("rm", "-f", "never")
}

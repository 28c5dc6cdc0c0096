package clients_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// ctrd is ctr talking to the test's containerd, with the run flags that
// put the runtime under test behind containerd's runc shim.
type ctrd struct {
	*client
	env  *testutil.DaemonEnv
	rt   string
	runc []string // runtime flags for ctr run
}

// TestContainerd runs containerd 1.6 with a private root, state, socket and
// config (no CRI plugin), imports the busybox image as an OCI archive and
// drives the runtime through `ctr run --runc-binary`, so through the shim's
// create/start/exec/ps/pause/resume/kill/delete calls. (ctr 1.6 has no
// `task update`: the shim's update call is tested through docker update.)
func TestContainerd(t *testing.T) {
	requireBinaries(t, "containerd", "ctr", "containerd-shim-runc-v2")
	c := startContainerd(t)
	_, oci := testImages(t)
	c.must(t, "images", "import", oci)
	rm := []string{"--rm"}

	t.Run("Echo", func(t *testing.T) {
		res := c.must(t, c.runArgs(t, rm, "echo", "hello from ctr")...)
		wantContains(t, "ctr run output", res.Stdout, "hello from ctr")
	})
	t.Run("ExitCode", func(t *testing.T) {
		c.expectExit(t, 7, c.runArgs(t, rm, "sh", "-c", "exit 7")...)
	})
	t.Run("TTY", func(t *testing.T) {
		out, code := c.runTTY(t, "echo tty-$((6*7)); tty; exit 3\n", c.runArgs(t, []string{"--rm", "-t"}, "sh")...)
		if code != 3 {
			t.Errorf("ctr run -t: exit status %d, want 3", code)
		}
		wantContains(t, "ctr run -t terminal", out, "tty-42")
		wantContains(t, "ctr run -t terminal", out, "/dev/pts/")
	})
	t.Run("Detached", c.testDetached)
	t.Run("DeleteForce", func(t *testing.T) {
		id := c.runDetached(t, nil, "sleep", "1000")
		c.must(t, "task", "delete", "--force", id)
		c.must(t, "containers", "delete", id)
		if out := c.output(t, "task", "ls", "-q"); strings.Contains(out, id) {
			t.Errorf("task %s still listed after delete --force:\n%s", id, out)
		}
	})
	t.Run("MemoryLimit", func(t *testing.T) {
		limit := []string{"--rm", "--memory-limit", "33554432"}
		id := c.runDetached(t, limit[1:], "sleep", "1000")
		file := filepath.Join("/sys/fs/cgroup/memory", c.env.Cgroup, id, "memory.limit_in_bytes")
		if got, err := os.ReadFile(file); err != nil || strings.TrimSpace(string(got)) != "33554432" {
			t.Errorf("%s = %q (%v), want 33554432", file, got, err)
		}
		c.remove(t, id)
		// dd's 64 MiB buffer cannot fit in 32 MiB: the kernel OOM-kills it.
		c.expectExit(t, 137, c.runArgs(t, limit,
			"dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1")...)
	})
	t.Run("CreateErrors", func(t *testing.T) {
		res := c.expectExit(t, 1, c.runArgs(t, rm, "/no/such/binary")...)
		wantCreateError(t, "ctr run of a missing binary", res.Stderr, "/no/such/binary")
		res = c.expectExit(t, 1, c.runArgs(t,
			[]string{"--rm", "--mount", "type=bind,src=/no/such/dir,dst=/mnt/x,options=rbind:ro"}, "true")...)
		wantCreateError(t, "ctr run with a bad bind mount", res.Stderr, "/no/such/dir")
	})
}

func startContainerd(t testing.TB) *ctrd {
	t.Helper()
	e := testutil.NewDaemonEnv(t, "ctrd")
	// containerd 1.6 puts shim sockets in /run/containerd/s whatever its
	// state dir; the shims remove theirs, we remove the dirs if we made them.
	e.HostPath("/run/containerd")
	e.HostPath("/run/containerd/s")
	sock := e.Path("containerd.sock")
	config := containerdConfig(e, sock, true)
	if err := os.WriteFile(e.Path("config.toml"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &ctrd{
		// The namespace is the cgroup parent: ctr puts a container in
		// /<namespace>/<id> of every hierarchy.
		client: &client{bin: "ctr", args: []string{"--address", sock, "--namespace", e.Cgroup}},
		env:    e,
		rt:     runtimeBinary(t),
	}
	c.runc = []string{"--runtime", "io.containerd.runc.v2", "--runc-binary", c.rt,
		"--runc-root", e.Path("runc"), "--fifo-dir", e.Path("fifo")}
	d := e.StartDaemon(t, "containerd", func() bool {
		_, err := os.Stat(sock)
		return err == nil && c.command(t, "version").Run() == nil
	}, "containerd", "--config", e.Path("config.toml"), "--log-level", "info")
	c.logs = append(c.logs, d.Log)
	t.Cleanup(func() { c.removeAll(t) })
	return c
}

// containerdConfig is the part of a private containerd's config.toml that
// puts its root, state, sockets and opt dir in e; withoutCRI disables the
// CRI plugin.
func containerdConfig(e *testutil.DaemonEnv, sock string, withoutCRI bool) string {
	cri := ""
	if withoutCRI {
		cri = `"io.containerd.grpc.v1.cri", `
	}
	return fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = [%s"io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
[grpc]
  address = %q
[ttrpc]
  address = %q
[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, e.Path("root"), e.Path("state"), cri, sock, sock+".ttrpc", e.Path("opt"))
}

// runArgs is `ctr run` with the runtime flags, flags, the image, a new
// container ID and cmd.
func (c *ctrd) runArgs(t *testing.T, flags []string, cmd ...string) []string {
	args := append(append(append([]string{"run"}, c.runc...), flags...), imageRef, testutil.NewID(t))
	return append(args, cmd...)
}

// runDetached starts `ctr run -d` of cmd and returns the container ID; the
// container is force-deleted when the test ends.
func (c *ctrd) runDetached(t *testing.T, flags []string, cmd ...string) string {
	t.Helper()
	args := c.runArgs(t, append([]string{"-d"}, flags...), cmd...)
	id := args[len(args)-len(cmd)-1]
	c.must(t, args...)
	t.Cleanup(func() { c.remove(t, id) })
	return id
}

func (c *ctrd) testDetached(t *testing.T) {
	id := c.runDetached(t, nil, "sh", "-c", `trap "exit 0" TERM; sleep 1000 & wait`)
	exec := func(execID string, args ...string) []string {
		return append([]string{"task", "exec", "--fifo-dir", c.env.Path("fifo"), "--exec-id", execID}, args...)
	}
	t.Run("Exec", func(t *testing.T) {
		res := c.must(t, exec("e1", id, "echo", "exec-ok")...)
		wantContains(t, "ctr task exec output", res.Stdout, "exec-ok")
		c.expectExit(t, 5, exec("e2", id, "sh", "-c", "exit 5")...)
	})
	t.Run("ExecTTY", func(t *testing.T) {
		out, code := c.runTTY(t, "", exec("e3", "-t", id, "tty")...)
		if code != 0 {
			t.Errorf("ctr task exec -t: exit status %d", code)
		}
		wantContains(t, "ctr task exec -t terminal", out, "/dev/pts/")
	})
	t.Run("Ps", func(t *testing.T) {
		// The header, then the shell and its sleep.
		if out := c.output(t, "task", "ps", id); len(strings.Split(out, "\n")) < 3 {
			t.Errorf("ctr task ps %s: want the shell and sleep, got:\n%s", id, out)
		}
	})
	t.Run("PauseResume", func(t *testing.T) {
		c.must(t, "task", "pause", id)
		c.wantStatus(t, id, "PAUSED")
		c.must(t, "task", "resume", id)
		c.wantStatus(t, id, "RUNNING")
	})
	t.Run("Kill", func(t *testing.T) {
		c.must(t, "task", "kill", id) // SIGTERM, which the shell traps
		c.wantStatus(t, id, "STOPPED")
		c.must(t, "task", "delete", id)
		c.must(t, "containers", "delete", id)
	})
}

// wantStatus waits up to 10s for `ctr task ls` to show id in status.
func (c *ctrd) wantStatus(t *testing.T, id, status string) {
	t.Helper()
	var last string
	ok := testutil.WaitFor(10*time.Second, func() bool {
		out, err := c.command(t, "task", "ls").Output()
		if err != nil {
			return false
		}
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == id {
				last = f[2]
			}
		}
		return last == status
	})
	if !ok {
		t.Errorf("task %s: status %q, want %q", id, last, status)
	}
}

// remove force-deletes a container and its task if they still exist.
func (c *ctrd) remove(t testing.TB, id string) {
	_ = c.command(t, "task", "delete", "--force", id).Run()
	_ = c.command(t, "containers", "delete", id).Run()
}

// removeAll deletes every container in the test's namespace.
func (c *ctrd) removeAll(t testing.TB) {
	out, err := c.command(t, "containers", "ls", "-q").Output()
	if err != nil {
		t.Logf("cleanup: ctr containers ls: %v", err)
		return
	}
	for _, id := range strings.Fields(string(out)) {
		c.remove(t, id)
	}
}

// wantCreateError checks that a failed create shows the runtime's one-line
// cause, naming what was wrong, and not only an exit status.
func wantCreateError(t *testing.T, what, stderr, names string) {
	t.Helper()
	if !strings.Contains(stderr, names) {
		t.Errorf("%s: the error does not name %s (the runtime's message is lost):\n%s", what, names, stderr)
	}
}

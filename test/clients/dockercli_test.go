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

// dockerCLI is a client with Docker's command line: podman and docker. The
// same scenarios run through both.
type dockerCLI struct {
	*client
	runFlags []string // added to every run: the runtime, the cgroup parent
	// noOOMKilled says the client does not report OOM kills on this host,
	// even with runc, so .State.OOMKilled is not checked.
	noOOMKilled string
}

// runArgs is `run` with the client's flags, flags, the image and cmd.
func (c *dockerCLI) runArgs(flags []string, cmd ...string) []string {
	args := append(append(append([]string{"run"}, c.runFlags...), flags...), imageRef)
	return append(args, cmd...)
}

// runDetached starts `run -d` of cmd under a new name, removed (-f) when
// the test ends.
func (c *dockerCLI) runDetached(t *testing.T, flags []string, cmd ...string) string {
	t.Helper()
	name := testutil.NewID(t)
	c.must(t, c.runArgs(append([]string{"-d", "--name", name}, flags...), cmd...)...)
	t.Cleanup(func() { _ = c.command(t, "rm", "-f", name).Run() })
	return name
}

// inspect is one field of `inspect`, such as .State.Status.
func (c *dockerCLI) inspect(t *testing.T, name, field string) string {
	t.Helper()
	return c.output(t, "inspect", "-f", "{{"+field+"}}", name)
}

// wantState waits up to 10s for the container's .State.Status.
func (c *dockerCLI) wantState(t *testing.T, name, status string) {
	t.Helper()
	var last string
	if !testutil.WaitFor(10*time.Second, func() bool {
		last = c.inspect(t, name, ".State.Status")
		return last == status
	}) {
		t.Errorf("container %s: status %q, want %q", name, last, status)
	}
}

// trapTERM exits 0 on SIGTERM, as a well-behaved service does; ignoreTERM
// ignores it, so that only SIGKILL stops it.
var (
	trapTERM   = []string{"sh", "-c", `trap "exit 0" TERM; sleep 1000 & wait`}
	ignoreTERM = []string{"sh", "-c", `trap "" TERM; sleep 1000`}
)

// testScenarios are issue 5's scenarios of podman and docker.
func (c *dockerCLI) testScenarios(t *testing.T) {
	rm := []string{"--rm"}
	t.Run("RunRm", func(t *testing.T) {
		res := c.must(t, c.runArgs(rm, "echo", "hello from", filepath.Base(c.bin))...)
		wantContains(t, "run --rm output", res.Stdout, "hello from "+filepath.Base(c.bin))
	})
	t.Run("ExitCode", func(t *testing.T) {
		c.expectExit(t, 7, c.runArgs(rm, "sh", "-c", "exit 7")...)
	})
	t.Run("Interactive", func(t *testing.T) {
		out, code := c.runTTY(t, "echo tty-$((6*7)); tty; exit 3\n", c.runArgs([]string{"--rm", "-it"}, "sh")...)
		if code != 3 {
			t.Errorf("run -it: exit status %d, want 3", code)
		}
		wantContains(t, "run -it terminal", out, "tty-42")
		wantContains(t, "run -it terminal", out, "/dev/pts/")
	})
	t.Run("Detached", c.testDetached)
	t.Run("StopIgnoringTERM", func(t *testing.T) {
		name := c.runDetached(t, nil, ignoreTERM...)
		start := time.Now()
		c.must(t, "stop", "-t", "1", name)
		if d := time.Since(start); d < time.Second {
			t.Errorf("stop -t 1 returned in %s: the container did not ignore SIGTERM", d)
		}
		if code := c.inspect(t, name, ".State.ExitCode"); code != "137" {
			t.Errorf("exit code after stop = %s, want 137 (SIGKILL)", code)
		}
		c.must(t, "rm", name)
	})
	t.Run("MemoryOOM", func(t *testing.T) {
		name := testutil.NewID(t)
		t.Cleanup(func() { _ = c.command(t, "rm", "-f", name).Run() })
		// dd's 64 MiB buffer cannot fit in 32 MiB: the kernel OOM-kills it,
		// a moment after the start so that conmon watches by then.
		c.expectExit(t, 137, c.runArgs([]string{"--name", name, "--memory", "32m"},
			"sh", "-c", "sleep 0.5; exec dd if=/dev/zero of=/dev/null bs=64M count=1")...)
		if c.noOOMKilled != "" {
			t.Logf("not checking .State.OOMKilled: %s", c.noOOMKilled)
		} else if oom := c.inspect(t, name, ".State.OOMKilled"); oom != "true" {
			// containerd's shim watches the memory cgroup that
			// /proc/<pid>/cgroup names just after create, before start.
			t.Errorf("OOMKilled = %s, want true: was the container's init in its memory cgroup right after create?", oom)
		}
	})
	t.Run("PidsLimit", func(t *testing.T) {
		res := c.run(t, c.runArgs([]string{"--rm", "--pids-limit", "10"},
			"sh", "-c", "for i in $(seq 20); do sleep 5 & done; echo spawned")...)
		wantContains(t, "run --pids-limit 10 of 20 processes", res.Stdout+res.Stderr, "can't fork")
	})
	t.Run("Bind", func(t *testing.T) {
		host := t.TempDir()
		if err := os.WriteFile(filepath.Join(host, "in"), []byte("from host\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		res := c.must(t, c.runArgs([]string{"--rm", "-v", host + ":/data"},
			"sh", "-c", "cat /data/in && echo from container > /data/out")...)
		wantContains(t, "cat of a bind-mounted file", res.Stdout, "from host")
		if got, err := os.ReadFile(filepath.Join(host, "out")); err != nil || string(got) != "from container\n" {
			t.Errorf("file written through the rw bind = %q (%v)", got, err)
		}
		res = c.run(t, c.runArgs([]string{"--rm", "-v", host + ":/data:ro"}, "sh", "-c", "echo x > /data/ro")...)
		if res.ExitCode == 0 {
			t.Errorf("write to a ro bind mount succeeded")
		}
		wantContains(t, "write to a ro bind mount", res.Stderr, "Read-only file system")
	})
	t.Run("CreateError", func(t *testing.T) {
		res := c.run(t, c.runArgs(rm, "/no/such/binary")...)
		if res.ExitCode == 0 {
			t.Fatalf("run of a missing binary succeeded")
		}
		wantCreateError(t, "run of a missing binary", res.Stderr, "/no/such/binary")
	})
}

func (c *dockerCLI) testDetached(t *testing.T) {
	name := c.runDetached(t, nil, trapTERM...)
	t.Run("Exec", func(t *testing.T) {
		res := c.must(t, "exec", name, "echo", "exec-ok")
		wantContains(t, "exec output", res.Stdout, "exec-ok")
		c.expectExit(t, 5, "exec", name, "sh", "-c", "exit 5")
	})
	t.Run("ExecTTY", func(t *testing.T) {
		out, code := c.runTTY(t, "echo tty-$((6*7)); tty; exit 4\n", "exec", "-it", name, "sh")
		if code != 4 {
			t.Errorf("exec -it: exit status %d, want 4", code)
		}
		wantContains(t, "exec -it terminal", out, "tty-42")
		wantContains(t, "exec -it terminal", out, "/dev/pts/")
	})
	t.Run("Top", func(t *testing.T) {
		out := c.output(t, "top", name)
		wantContains(t, "top", out, "sleep 1000")
	})
	t.Run("PauseUnpause", func(t *testing.T) {
		c.must(t, "pause", name)
		c.wantState(t, name, "paused")
		c.must(t, "unpause", name)
		c.wantState(t, name, "running")
	})
	t.Run("Update", func(t *testing.T) {
		c.must(t, "update", "--memory", "64m", "--memory-swap", "-1", name)
		pid := c.inspect(t, name, ".State.Pid")
		file, err := memoryLimitFile(pid)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(file); err != nil || strings.TrimSpace(string(got)) != "67108864" {
			t.Errorf("%s after update --memory 64m = %q (%v), want 67108864", file, got, err)
		}
	})
	t.Run("StopRm", func(t *testing.T) {
		start := time.Now()
		c.must(t, "stop", "-t", "10", name)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("stop took %s: SIGTERM did not reach the container", d)
		}
		if code := c.inspect(t, name, ".State.ExitCode"); code != "0" {
			t.Errorf("exit code after stop = %s, want 0 (the trap's)", code)
		}
		c.must(t, "rm", name)
	})
}

// memoryLimitFile is memory.limit_in_bytes (cgroup v1) or memory.max (v2)
// of the cgroup holding pid.
func memoryLimitFile(pid string) (string, error) {
	data, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return "", fmt.Errorf("cgroup of the container: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			continue
		}
		for _, ctrl := range strings.Split(f[1], ",") {
			if ctrl == "memory" {
				return filepath.Join("/sys/fs/cgroup/memory", f[2], "memory.limit_in_bytes"), nil
			}
		}
	}
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if p, ok := strings.CutPrefix(line, "0::"); ok {
				return filepath.Join("/sys/fs/cgroup", p, "memory.max"), nil
			}
		}
	}
	return "", fmt.Errorf("no memory cgroup for pid %s in:\n%s", pid, data)
}

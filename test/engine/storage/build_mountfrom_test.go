package storage_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildCacheMountFrom: a cache mount with from= and source= starts as
// a copy of that stage's directory, and later steps of the same id see
// what earlier ones wrote to it (the stage's own files are untouched).
func TestBuildCacheMountFrom(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": `FROM busybox AS seed
RUN mkdir /s && echo seeded > /s/f
FROM busybox
RUN --mount=type=cache,id=c1,from=seed,source=/s,target=/cache cat /cache/f > /got && echo more > /cache/g
RUN --mount=type=cache,id=c1,from=seed,source=/s,target=/cache cat /cache/g > /got2
COPY --from=seed /s /seedcopy
`})
	e.Must("build", "-t", "cachefrom:1", dir)
	if out := e.Must("run", "--rm", "cachefrom:1", "sh", "-c", "cat /got /got2; ls /seedcopy"); out != "seeded\nmore\nf\n" {
		t.Errorf("the steps saw %q", out)
	}
	bad := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox AS seed\nFROM busybox\nRUN --mount=type=cache,from=seed,source=/nope,target=/c true\n"})
	if r := e.Run("build", bad); r.ExitCode == 0 || !strings.Contains(r.Stderr, "Dockerfile:3: ") || !strings.Contains(r.Stderr, "/nope") {
		t.Errorf("from= a missing source: exit %d: %s", r.ExitCode, r.Stderr)
	}
}

// TestBuildSSHMount: --ssh forwards an ssh-agent's socket to RUN
// --mount=type=ssh at BuildKit's default path with SSH_AUTH_SOCK set; a
// required mount with no socket is an error naming the line, an optional
// one is left out.
func TestBuildSSHMount(t *testing.T) {
	e := newEnv(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	agent := exec.Command("ssh-agent", "-D", "-a", sock)
	if err := agent.Start(); err != nil {
		t.Fatalf("ssh-agent: %v", err)
	}
	t.Cleanup(func() {
		agent.Process.Signal(syscall.SIGTERM)
		agent.Wait()
	})
	var statErr error
	testutil.Eventually(t, 5*time.Second, func() bool { _, statErr = os.Stat(sock); return statErr == nil },
		func() string { return fmt.Sprintf("ssh-agent made no socket: %v", statErr) })
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile":     "FROM busybox\nRUN --mount=type=ssh test -S /run/buildkit/ssh_agent.0 && echo \"$SSH_AUTH_SOCK\" > /sock\n",
		"req/Dockerfile": "FROM busybox\nRUN --mount=type=ssh,required=true true\n",
		"opt/Dockerfile": "FROM busybox\nRUN --mount=type=ssh,id=other test ! -e /run/buildkit/ssh_agent.0\n",
	})
	e.Must("build", "-t", "ssh:1", "--ssh", "default="+sock, dir)
	if out := e.Must("run", "--rm", "ssh:1", "cat", "/sock"); out != "/run/buildkit/ssh_agent.0\n" {
		t.Errorf("SSH_AUTH_SOCK was %q", out)
	}
	if r := e.Run("build", filepath.Join(dir, "req")); r.ExitCode == 0 || !strings.Contains(r.Stderr, "Dockerfile:2: ") || !strings.Contains(r.Stderr, "--ssh default=") {
		t.Errorf("a required ssh mount with no --ssh: exit %d: %s", r.ExitCode, r.Stderr)
	}
	e.Must("build", "--ssh", "default="+sock, filepath.Join(dir, "opt"))
	if r := e.Run("build", "--ssh", "default="+dir, dir); r.ExitCode == 0 || !strings.Contains(r.Stderr, "not an agent socket") {
		t.Errorf("--ssh a directory: exit %d: %s", r.ExitCode, r.Stderr)
	}
}

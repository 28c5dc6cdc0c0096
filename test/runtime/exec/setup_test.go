package exec_test

import (
	"strings"
	"testing"
)

// TestExecProcessSetup checks what the exec'd process gets from the
// runtime's set-up rather than from the container: HOME from the
// container's /etc/passwd for its uid, the cwd, and an error that
// names a cwd that does not exist.
func TestExecProcessSetup(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	out := rt.ExecOut(t, "--cwd", "/etc", id, "sh", "-c", `echo "$HOME $(pwd)"`)
	if out != "/root /etc" {
		t.Errorf("exec as root in /etc: %q, want HOME /root, cwd /etc", out)
	}
	if out := rt.ExecOut(t, "--user", "65534:65534", id, "sh", "-c", `echo "$HOME $(id -u):$(id -g)"`); out != "/nonexistent 65534:65534" {
		t.Errorf("exec as nobody: %q", out)
	}
	res := rt.Run(t, "exec", "--cwd", "/no/such/dir", id, "true")
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "/no/such/dir") {
		t.Errorf("exec with a missing cwd: exit %d, stderr %q", res.ExitCode, res.Stderr)
	}
}

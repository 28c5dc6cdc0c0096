// Package proctest holds helpers for the helper processes a test starts,
// kept out of test/testutil so that unit tests low in the tree can use
// them without its weight.
package proctest

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

// KillWait ends a test's helper process and reaps it, once: a process
// already reaped is left alone, and the kill's own exit status is the
// expected outcome of Wait, not an error.
func KillWait(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if cmd.ProcessState != nil {
		return
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("kill pid %d: %v", cmd.Process.Pid, err)
	}
	var exit *exec.ExitError
	if err := cmd.Wait(); err != nil && !errors.As(err, &exit) {
		t.Errorf("wait for pid %d: %v", cmd.Process.Pid, err)
	}
}

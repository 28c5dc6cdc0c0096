package record

import (
	"testing"
	"time"
)

// TestRefresh: a record whose processes are gone (pid 0 is never alive)
// reads exited with the unknown code; one whose processes live keeps its
// status; a live init without its monitor is flagged unmonitored.
func TestRefresh(t *testing.T) {
	self := selfProcess(t)
	for _, tc := range []struct {
		name        string
		st          State
		status      string
		code        int
		unmonitored bool
	}{
		{"running, all gone", State{Status: StatusRunning}, StatusExited, ExitUnknown, false},
		{"paused, all gone", State{Status: StatusPaused}, StatusExited, ExitUnknown, false},
		{"restarting, all gone", State{Status: StatusRestarting}, StatusExited, ExitUnknown, false},
		{"running, alive", withStatus(self, StatusRunning), StatusRunning, 0, false},
		{"restarting, monitor alive", withStatus(State{MonitorPid: self.MonitorPid, MonitorStart: self.MonitorStart}, StatusRestarting), StatusRestarting, 0, false},
		{"running, monitor gone", withStatus(State{Pid: self.Pid, PidStart: self.PidStart, MonitorPid: self.Pid, MonitorStart: self.PidStart + 1}, StatusRunning), StatusRunning, 0, true},
		{"created", State{Status: StatusCreated}, StatusCreated, 0, false},
		{"exited stays", State{Status: StatusExited, ExitCode: 4}, StatusExited, 4, false},
	} {
		c := &Container{State: tc.st}
		c.Refresh()
		if c.State.Status != tc.status || c.State.ExitCode != tc.code || c.Unmonitored() != tc.unmonitored {
			t.Errorf("%s: %s code %d unmonitored %v; want %s %d %v", tc.name, c.State.Status, c.State.ExitCode, c.Unmonitored(), tc.status, tc.code, tc.unmonitored)
		}
		if tc.code == ExitUnknown && c.State.FinishedAt.IsZero() {
			t.Errorf("%s: no finish time", tc.name)
		}
	}
}

func TestOrphanedExit(t *testing.T) {
	c := &Container{HostConfig: HostConfig{AutoRemove: true}, State: State{Status: StatusRunning, StartedAt: time.Now()}}
	c.Refresh()
	if !c.OrphanedExit() {
		t.Errorf("--rm container whose monitor died: not an orphaned exit (%+v)", c.State)
	}
	c.HostConfig.AutoRemove = false
	if c.OrphanedExit() {
		t.Error("without --rm there is nothing to apply")
	}
}

func withStatus(st State, status string) State {
	st.Status = status
	return st
}

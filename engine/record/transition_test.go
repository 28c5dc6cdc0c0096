package record

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/berth-containers/berth/internal/proc"
)

// TestTransitions pins the table: each pair of statuses is allowed or
// refused as written here, and a refused change leaves the record as it
// was.
func TestTransitions(t *testing.T) {
	allowed := map[string]bool{
		" → created":           true,
		"created → running":    true,
		"created → exited":     true,
		"running → paused":     true,
		"running → restarting": true,
		"running → exited":     true,
		"paused → running":     true,
		"paused → restarting":  true,
		"paused → exited":      true,
		"restarting → running": true,
		"restarting → exited":  true,
		"exited → running":     true,
		"exited → exited":      true,
	}
	all := []string{"", StatusCreated, StatusRunning, StatusPaused, StatusRestarting, StatusExited, StatusDead}
	for _, from := range all {
		for _, to := range all {
			key := fmt.Sprintf("%s → %s", from, to)
			if got := CanTransition(from, to); got != allowed[key] {
				t.Errorf("%s: allowed %v, want %v", key, got, allowed[key])
			}
		}
	}
	// SetStatus on records whose processes are live (this test's own pid
	// as the container's and the monitor's) judges from the record.
	self := selfProcess(t)
	for _, tc := range []struct{ from, to string }{
		{StatusCreated, StatusPaused},
		{StatusExited, StatusPaused},
		{StatusRunning, StatusCreated},
		{StatusRunning, StatusRunning},
		{StatusPaused, StatusPaused},
		{StatusRestarting, StatusPaused},
		{"", StatusRunning},
	} {
		c := &Container{ID: "c", State: self}
		c.State.Status = tc.from
		if err := c.SetStatus(tc.to); !errors.Is(err, ErrTransition) || c.State.Status != tc.from {
			t.Errorf("%q → %q: error %v, status now %q; want refused, unchanged", tc.from, tc.to, err, c.State.Status)
		}
	}
	c := &Container{ID: "c", State: self}
	c.State.Status = StatusRunning
	if err := c.SetStatus(StatusPaused); err != nil || c.State.Status != StatusPaused {
		t.Errorf("running → paused: %v, status %q", err, c.State.Status)
	}
}

// TestTransitionFromStaleRecord: a record left running or paused by a
// killed monitor (no live process) is exited, so it may start again but
// not be paused.
func TestTransitionFromStaleRecord(t *testing.T) {
	for _, status := range []string{StatusRunning, StatusPaused, StatusRestarting} {
		c := &Container{ID: "c", State: State{Status: status, Pid: 0, MonitorPid: 0}}
		if err := c.SetStatus(StatusPaused); !errors.Is(err, ErrTransition) {
			t.Errorf("stale %s → paused: %v; want refused", status, err)
		}
		c.State.Status = status
		if err := c.SetStatus(StatusRunning); err != nil {
			t.Errorf("stale %s → running: %v", status, err)
		}
	}
}

// selfProcess is a State whose container and monitor are this process:
// alive, so Refresh keeps the recorded status.
func selfProcess(t *testing.T) State {
	start, _, err := proc.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	return State{Pid: os.Getpid(), PidStart: start, MonitorPid: os.Getpid(), MonitorStart: start}
}

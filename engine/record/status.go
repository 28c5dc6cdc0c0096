package record

import (
	"time"

	"github.com/berth-containers/berth/internal/proc"
)

// ExitUnknown is the exit code shown when nobody saw the container end
// (its monitor was killed): Docker shows 255 after a daemon crash.
const ExitUnknown = 255

// The errors Refresh reports when a container's monitor is gone.
const (
	errMonitorKilled = "the container's monitor was killed; its exit code is unknown"
	errUnmonitored   = "the container's monitor was killed: its output is not logged and its exit will not be recorded (berth rm -f removes it)"
)

// Unmonitored says whether the container runs with its monitor gone.
func (c *Container) Unmonitored() bool { return c.Running() && c.State.Error == errUnmonitored }

// MonitorKilled says whether the exit is Refresh's inference (the record
// said running and neither the init nor its monitor was seen alive), not
// one the monitor recorded.
func (c *Container) MonitorKilled() bool {
	return c.State.Status == StatusExited && c.State.Error == errMonitorKilled
}

// OrphanedExit says whether the container ended after its monitor was
// killed, so nobody applied its --rm.
func (c *Container) OrphanedExit() bool {
	return c.State.Status == StatusExited && c.State.Error == errMonitorKilled && c.HostConfig.AutoRemove
}

// Refresh corrects the recorded status with what /proc shows: a container
// whose init is gone is exited whatever the record says.
func (c *Container) Refresh() {
	st := &c.State
	switch st.Status {
	case StatusRunning, StatusPaused:
		if proc.Alive(st.Pid, st.PidStart) {
			if st.MonitorPid > 0 && !proc.Alive(st.MonitorPid, st.MonitorStart) {
				st.Error = errUnmonitored
			}
			return
		}
	case StatusRestarting:
		if proc.Alive(st.MonitorPid, st.MonitorStart) {
			return
		}
	default:
		return
	}
	if proc.Alive(st.MonitorPid, st.MonitorStart) {
		// The init is gone and its monitor lives: it records the exit
		// code in a moment, and until then the record stands.
		return
	}
	// The monitor would have recorded the exit; it died first.
	st.Status, st.Pid = StatusExited, 0
	st.ExitCode = ExitUnknown
	st.Error = errMonitorKilled
	if st.FinishedAt.IsZero() || st.FinishedAt.Before(st.StartedAt) {
		st.FinishedAt = time.Now().UTC()
	}
}

// Running reports whether the container's process runs (or is paused).
func (c *Container) Running() bool {
	return c.State.Status == StatusRunning || c.State.Status == StatusPaused
}

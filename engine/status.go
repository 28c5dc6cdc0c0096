package engine

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// procStart reads a process's start time (field 22 of /proc/PID/stat) and
// state letter. With the pid it names one process for good.
func procStart(pid int) (uint64, byte, bool) {
	if pid <= 0 {
		return 0, 0, false
	}
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	// comm may hold spaces and parens: fields start after the last ')'.
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, false
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 20 {
		return 0, 0, false
	}
	start, err := strconv.ParseUint(fields[19], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	return start, fields[0][0], true
}

// alive says whether pid is still the process that started at start (a
// zombie is not alive: it has exited and only waits to be reaped).
func alive(pid int, start uint64) bool {
	got, state, ok := procStart(pid)
	return ok && got == start && state != 'Z' && state != 'X'
}

// exitUnknown is the exit code shown when nobody saw the container end
// (its monitor was killed): Docker shows 255 after a daemon crash.
const exitUnknown = 255

// refresh corrects the recorded status with what /proc shows: a container
// whose init is gone is exited whatever the record says.
func (c *Container) refresh() {
	st := &c.State
	switch st.Status {
	case StatusRunning, StatusPaused:
		if alive(st.Pid, st.PidStart) {
			return
		}
	case StatusRestarting:
		if alive(st.MonitorPid, st.MonitorStart) {
			return
		}
	default:
		return
	}
	if alive(st.MonitorPid, st.MonitorStart) {
		// The init is gone and its monitor lives: it records the exit
		// code in a moment, and until then the record stands.
		return
	}
	// The monitor would have recorded the exit; it died first.
	st.Status, st.Pid = StatusExited, 0
	st.ExitCode = exitUnknown
	st.Error = "the container's monitor was killed; its exit code is unknown"
	if st.FinishedAt.IsZero() || st.FinishedAt.Before(st.StartedAt) {
		st.FinishedAt = time.Now().UTC()
	}
}

// Running reports whether the container's process runs (or is paused).
func (c *Container) Running() bool {
	return c.State.Status == StatusRunning || c.State.Status == StatusPaused
}

func statIno(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// Package monitor is the container monitor program's own logic: the
// report a monitor sends its spawner, the supervision loop of a detached
// (or foreground) container (each start and exit recorded, the restart
// policy with Docker's backoff, --rm), and the hand-over of a running
// container to the C idle loop (engine/idlemon) and back. The engine
// spawns the monitor and hands in the steps of one run (Steps).
//
// The protocol. `berth run -d` and `berth start` spawn
//
//	berth monitor <root> <runroot> <id>      (env BERTH_MONITOR=1, fd 3 = report pipe)
//
// in a session of its own. The monitor creates and starts the container as
// its child (it is a child subreaper), then writes one JSON report to fd 3
// and closes it:
//
//	monitor --> {"pid": 1234}                     container runs
//	monitor --> {"error": "...", "code": 127}     it could not be started
//
// and stays to log the container's output, record its exit and apply
// --rm and the restart policy. The spawner returns once fd 3 is closed.
//
// Idle, the monitor is C, not Go (engine/idlemon: a Go process costs ~2.5 MB
// of private memory, the C loop ~0.2 MB). The same process changes program
// by execve, so its pid, its start time (the record's MonitorPid and
// MonitorStart), its children and its open pipes stay:
//
//	Go: create, start, record, report
//	  | execve, $_BERTH_IDLE (idlemon.Exec), $BERTH_MONITOR_FDS
//	  v
//	C:  output -> json-file log (rotated), signals -> container, reap
//	  | execve, $BERTH_MONITOR_RESUME=exit:<code>     the container exited
//	  | execve, $BERTH_MONITOR_RESUME=wake            a client on attach.sock
//	  v
//	Go: MonitorMain -> resumeMonitor: with exit, OOM check, runtime clean-up,
//	    exit record, --rm or restart (whose run goes idle again); with wake,
//	    it watches the container itself, serving attach, until it exits.
//
// $BERTH_MONITOR_FDS (FDs) names the fds the Go side finds again: output
// pipes or pty master, attach socket, stdin pipe. A SIGKILL at any point
// leaves what a killed Go monitor leaves: a record whose monitor is gone
// (record.Container.Refresh) and a runtime state rm -f removes.
package monitor

import (
	"encoding/json"
	"log/slog"
	"os"
)

// Env marks a process as a monitor, so main routes it before any
// command-line parsing.
const Env = "BERTH_MONITOR"

// IdleEnv=0 keeps a monitor in Go for the container's whole run (to
// compare, or to debug the C loop).
const IdleEnv = "BERTH_MONITOR_IDLE"

// Report is what a monitor tells its spawner, once: the container's pid,
// or why it could not be started.
type Report struct {
	Pid    int    `json:"pid,omitempty"`
	Error  string `json:"error,omitempty"`
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"` // with Error: why the program did not run (engine.ExecReason)
}

// WriteReport sends r on f (the report pipe, fd 3) and closes it; f may
// be nil (no spawner waits).
func WriteReport(f *os.File, r Report) {
	if f == nil {
		return
	}
	// The report goes to the waiting parent; if it is gone, no one is
	// left to tell.
	if err := json.NewEncoder(f).Encode(r); err != nil {
		slog.Debug("monitor: write the report", "error", err)
	}
	f.Close()
}

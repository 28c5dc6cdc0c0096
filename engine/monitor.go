package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/idlemon"
	"github.com/berth-containers/berth/internal/fds"
	"github.com/berth-containers/berth/internal/proc"
)

// The monitor protocol. `berth run -d` and `berth start` spawn
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
// $BERTH_MONITOR_FDS (monitorFDs in monitor_idle.go) names the fds the Go
// side finds again: output pipes or pty master, attach socket, stdin pipe.
// A SIGKILL at any point leaves what a killed Go monitor leaves: a record
// whose monitor is gone (Container.Refresh) and a runtime state rm -f removes.

// MonitorEnv marks a process as a monitor, so main routes it before any
// command-line parsing.
const MonitorEnv = "BERTH_MONITOR"

type monitorReport struct {
	Pid    int        `json:"pid,omitempty"`
	Error  string     `json:"error,omitempty"`
	Code   int        `json:"code,omitempty"`
	Reason ExecReason `json:"reason,omitempty"` // with Error: why the program did not run
}

// err is the start failure r reports, typed as it was in the monitor.
func (r monitorReport) err() error {
	if r.Reason != ExecFailed {
		return &ExecError{Reason: r.Reason, Err: errors.New(r.Error)}
	}
	return &StatusError{Code: r.Code, Err: errors.New(r.Error)}
}

// MonitorMain is the monitor process's whole life; it returns its exit code.
func MonitorMain(args []string) int {
	if os.Getenv(health.Env) != "" && len(args) == 3 {
		// A probe is a short-lived command like exec: the monitor's
		// small heap (GOGC=20 in its environment) would only slow it.
		debug.SetGCPercent(100)
		return New(Options{Root: args[0], Runroot: args[1]}).mon.prober().Main(args[2]) // engine/health
	}
	// Idle monitors are most of berth's memory: keep the heap small.
	debug.SetGCPercent(20)
	debug.SetMemoryLimit(4 << 20)
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "berth monitor: want <root> <runroot> <id>")
		return 2
	}
	e := New(Options{Root: args[0], Runroot: args[1]})
	if why := os.Getenv(idlemon.EnvResume); why != "" {
		return e.mon.resumeMonitor(args[2], why) // its fds are its own (monitorFDs)
	}
	fds.CloseInherited(4) // 0-2 are /dev/null, 3 the report pipe
	report := os.NewFile(3, "report")
	c, err := e.db.get(args[2])
	if err != nil {
		writeReport(report, monitorReport{Error: err.Error(), Code: 125})
		return 1
	}
	e.mon.supervise(c, e.mon.monitorStdio(c), func(r monitorReport) { writeReport(report, r) })
	return 0
}

func writeReport(f *os.File, r monitorReport) {
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

// supervise runs the container until it exits for good: it records each
// start and exit, restarts it as its policy says, and removes it with
// --rm. report is called once, after the first start or its failure.
func (e *monitorOps) supervise(c *Container, stdio *Stdio, report func(monitorReport)) exitInfo {
	return e.superviseFrom(c, stdio, report, nil)
}

// superviseFrom is supervise for a monitor that re-executed itself: the
// first run is already underway, and resumed waits for its end.
func (e *monitorOps) superviseFrom(c *Container, stdio *Stdio, report func(monitorReport), resumed func() (exitInfo, error)) exitInfo {
	me, _, _ := proc.StartTime(os.Getpid())
	reported := resumed != nil
	var last exitInfo
	var lastMsg string
	var failed *monitorReport // the first start's failure, reported once recorded
	for {
		run := func(started func(int)) (exitInfo, error) { return e.runOnce(c, stdio, stdio == nil, started) }
		if resumed != nil {
			r := resumed
			run, resumed = func(func(int)) (exitInfo, error) { return r() }, nil
		}
		info, err := run(func(pid int) {
			start, _, _ := proc.StartTime(pid)
			_, uerr := e.db.modify(c.ID, func(r *Container) error {
				if err := r.SetStatus(StatusRunning); err != nil {
					return err
				}
				r.State.Pid, r.State.PidStart = pid, start
				r.State.MonitorPid, r.State.MonitorStart = os.Getpid(), me
				r.State.StartedAt, r.State.Error, r.State.OOMKilled = time.Now().UTC(), "", false
				r.State.ExitCode = 0 // as Docker: a running container has not exited
				r.State.Health = nil
				if health.Probing(r.Config.Healthcheck) {
					r.State.Health = &Health{Status: HealthStarting, Log: []HealthResult{}}
				}
				return nil
			})
			if uerr != nil {
				slog.Warn("record container start", "id", c.ID, "error", uerr)
			}
			e.ev.emit(c, "start")
			if !reported {
				reported = true
				report(monitorReport{Pid: pid})
			}
			if stdio == nil || stdio.detached {
				// Idle from here on: hand start-up garbage back to the
				// kernel now rather than when the scavenger gets to it.
				debug.FreeOSMemory()
			}
		})
		if err != nil {
			code := 125
			var reason ExecReason
			var xe *ExecError
			if errors.As(err, &xe) {
				code, reason = xe.Reason.exitCode(), xe.Reason
			}
			last, lastMsg = exitInfo{code: code}, err.Error()
			if !reported {
				failed = &monitorReport{Error: err.Error(), Code: code, Reason: reason}
			}
			break
		}
		last = info
		e.ev.emitExit(c, info)
		if c.HostConfig.AutoRemove {
			break // its record goes now: nothing to write into it
		}
		rec, rerr := e.recordRestarting(c.ID, info)
		if rerr != nil || !e.restartWait(c.ID, restartDelay(rec.State.RestartCount)) {
			break
		}
		if _, err := e.db.modify(c.ID, func(r *Container) error {
			if r.State.StopRequested {
				return errStopped
			}
			r.State.RestartCount++
			return nil
		}); err != nil {
			break
		}
	}
	// The exit is recorded only once the network and rootfs are gone: a
	// start (or restart) that sees the container exited sets up its own,
	// which this teardown must not remove.
	if err := e.Network().tearDown(c); err != nil {
		slog.Warn("tear down the container's network", "id", c.ID, "error", err)
	}
	if err := e.rt.unmountRootfs(c.ID); err != nil {
		slog.Warn("after the container's exit", "id", c.ID, "error", err)
	}
	e.ev.emitVolumes(c, "unmount")
	if c.HostConfig.AutoRemove {
		// The exit is recorded before the record goes, so a waiter that
		// polls it (the API's wait) can tell the code.
		if _, err := e.recordExit(c.ID, last, lastMsg); err != nil && !errors.Is(err, ErrNotFound) {
			slog.Warn("record container exit", "id", c.ID, "error", err)
		}
		e.awaitWaiters(c.ID)
		if err := e.life.removeFiles(context.Background(), c, true); err != nil {
			slog.Warn("remove container after exit", "id", c.ID, "error", err)
		}
	} else if _, err := e.recordExit(c.ID, last, lastMsg); err != nil && !errors.Is(err, ErrNotFound) {
		slog.Warn("record container exit", "id", c.ID, "error", err)
	}
	if failed != nil {
		report(*failed)
	}
	return last
}

// restartDelay doubles from 100 ms up to a minute, as Docker's backoff.
func restartDelay(n int) time.Duration {
	d := 100 * time.Millisecond
	for i := 0; i < n && d < time.Minute; i++ {
		d *= 2
	}
	return min(d, time.Minute)
}

// recordRestarting records an exit that the restart policy follows with
// another run, as Docker's SetRestarting: its code and time, with status
// restarting, so that start leaves it to this monitor and stop finds it.
// errNoRestart when the policy (or a stop) says the container stays down.
func (e *monitorOps) recordRestarting(id string, info exitInfo) (*Container, error) {
	return e.db.modify(id, func(r *Container) error {
		if !r.ShouldRestart(info.code) {
			return errNoRestart
		}
		if err := r.SetStatus(StatusRestarting); err != nil {
			return err
		}
		r.State.Pid, r.State.PidStart = 0, 0
		r.State.Health.Stopped()
		r.State.ExitCode, r.State.OOMKilled, r.State.Error = info.code, info.oom, ""
		r.State.FinishedAt = time.Now().UTC()
		return nil
	})
}

// restartWait sleeps d before a restart; it returns false early when stop
// or rm came meanwhile.
func (e *monitorOps) restartWait(id string, d time.Duration) bool {
	end := time.Now().Add(d)
	for {
		r, err := e.db.get(id)
		if err != nil || r.State.StopRequested {
			return false
		}
		left := time.Until(end)
		if left <= 0 {
			return true
		}
		time.Sleep(min(left, 100*time.Millisecond))
	}
}

func (e *monitorOps) recordExit(id string, info exitInfo, msg string) (*Container, error) {
	return e.db.modify(id, func(r *Container) error {
		if err := r.SetStatus(StatusExited); err != nil {
			return err
		}
		r.State.Pid, r.State.PidStart = 0, 0
		r.State.Health.Stopped()
		r.State.ExitCode, r.State.OOMKilled, r.State.Error = info.code, info.oom, msg
		r.State.FinishedAt = time.Now().UTC()
		return nil
	})
}

// spawnMonitor starts the container's monitor and waits for its report.
func (e *monitorOps) spawnMonitor(c *Container) error {
	// GOMAXPROCS=1: one thread runs Go code; the monitor needs no more.
	env := []string{MonitorEnv + "=1", "GOMAXPROCS=1", "GOGC=20", "MALLOC_ARENA_MAX=1", "GODEBUG=memprofilerate=0", "PATH=" + os.Getenv("PATH")}
	data, err := fds.SpawnDaemon("container's monitor", "berth-monitor", []string{"monitor", e.root, e.runroot, c.ID}, env)
	if err != nil {
		return err
	}
	var rep monitorReport
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("the container's monitor exited without a report (%q): see berth logs %s", data, c.Name)
	}
	if rep.Error != "" {
		return rep.err()
	}
	return nil
}

var (
	// errStopped ends the restart loop when stop or kill came during the delay.
	errStopped = errors.New("container stopped by the user")
	// errNoRestart: the restart policy does not run the container again.
	errNoRestart = errors.New("no restart")
)

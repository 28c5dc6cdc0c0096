package monitor

import (
	"errors"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/internal/proc"
)

// Exit is how one run of the container ended.
type Exit struct {
	Code int
	OOM  bool
}

// Steps are the engine's parts of a container's life that Supervise
// strings together.
type Steps struct {
	// Run runs the container once, calling started with its pid once it
	// runs, and waits for its end.
	Run func(started func(pid int)) (Exit, error)
	// Failed is the exit code and reason (engine.ExecReason) of a start
	// that failed with err.
	Failed func(err error) (code int, reason string)
	// Emit and EmitExit log the container's events.
	Emit     func(action string)
	EmitExit func(Exit)
	// Release undoes what the runs held (network, rootfs), before the
	// exit is recorded: a start that sees the container exited sets up
	// its own, which a later release must not remove.
	Release func()
	// Remove is --rm's, once the exit is recorded.
	Remove func()
	// Detached says the monitor goes idle between events: it returns
	// start-up garbage to the kernel after each start.
	Detached bool
}

// Supervisor runs one container until it exits for good.
type Supervisor struct {
	Records *store.Store
	C       *record.Container
	Steps
}

// Supervise runs the container until it exits for good: it records each
// start and exit, restarts it as its policy says, and removes it with
// --rm. report is called once, after the first start or its failure.
// resumed, if not nil, waits for the end of a first run already underway
// (a monitor that re-executed itself).
func (s *Supervisor) Supervise(report func(Report), resumed func() (Exit, error)) Exit {
	c := s.C
	me, _, _ := proc.StartTime(os.Getpid())
	reported := resumed != nil
	var last Exit
	var lastMsg string
	var failed *Report // the first start's failure, reported once recorded
	for {
		run := s.Run
		if resumed != nil {
			r := resumed
			run, resumed = func(func(int)) (Exit, error) { return r() }, nil
		}
		info, err := run(func(pid int) {
			start, _, _ := proc.StartTime(pid)
			_, uerr := s.Records.Modify(c.ID, func(r *record.Container) error {
				if err := r.SetStatus(record.StatusRunning); err != nil {
					return err
				}
				r.State.Pid, r.State.PidStart = pid, start
				r.State.MonitorPid, r.State.MonitorStart = os.Getpid(), me
				r.State.StartedAt, r.State.Error, r.State.OOMKilled = time.Now().UTC(), "", false
				r.State.ExitCode = 0 // as Docker: a running container has not exited
				r.State.Health = nil
				if health.Probing(r.Config.Healthcheck) {
					r.State.Health = &record.Health{Status: record.HealthStarting, Log: []record.HealthResult{}}
				}
				return nil
			})
			if uerr != nil {
				slog.Warn("record container start", "id", c.ID, "error", uerr)
			}
			s.Emit("start")
			if !reported {
				reported = true
				report(Report{Pid: pid})
			}
			if s.Detached {
				// Idle from here on: hand start-up garbage back to the
				// kernel now rather than when the scavenger gets to it.
				debug.FreeOSMemory()
			}
		})
		if err != nil {
			code, reason := s.Failed(err)
			last, lastMsg = Exit{Code: code}, err.Error()
			if !reported {
				failed = &Report{Error: err.Error(), Code: code, Reason: reason}
			}
			break
		}
		last = info
		s.EmitExit(info)
		if c.HostConfig.AutoRemove {
			break // its record goes now: nothing to write into it
		}
		rec, rerr := s.recordRestarting(c.ID, info)
		if rerr != nil || !s.restartWait(c.ID, RestartDelay(rec.State.RestartCount)) {
			break
		}
		if _, err := s.Records.Modify(c.ID, func(r *record.Container) error {
			if r.State.StopRequested {
				return errStopped
			}
			r.State.RestartCount++
			return nil
		}); err != nil {
			break
		}
	}
	s.Release()
	if c.HostConfig.AutoRemove {
		// The exit is recorded before the record goes, so a waiter that
		// polls it (the API's wait) can tell the code.
		if _, err := s.recordExit(c.ID, last, lastMsg); err != nil && !errors.Is(err, store.ErrNotFound) {
			slog.Warn("record container exit", "id", c.ID, "error", err)
		}
		s.Remove()
	} else if _, err := s.recordExit(c.ID, last, lastMsg); err != nil && !errors.Is(err, store.ErrNotFound) {
		slog.Warn("record container exit", "id", c.ID, "error", err)
	}
	if failed != nil {
		report(*failed)
	}
	return last
}

// RestartDelay is the wait before restart n+1: it doubles from 100 ms up
// to a minute, as Docker's backoff.
func RestartDelay(n int) time.Duration {
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
func (s *Supervisor) recordRestarting(id string, info Exit) (*record.Container, error) {
	return s.Records.Modify(id, func(r *record.Container) error {
		if !r.ShouldRestart(info.Code) {
			return errNoRestart
		}
		if err := r.SetStatus(record.StatusRestarting); err != nil {
			return err
		}
		r.State.Pid, r.State.PidStart = 0, 0
		r.State.Health.Stopped()
		r.State.ExitCode, r.State.OOMKilled, r.State.Error = info.Code, info.OOM, ""
		r.State.FinishedAt = time.Now().UTC()
		return nil
	})
}

// restartWait sleeps d before a restart; it returns false early when stop
// or rm came meanwhile.
func (s *Supervisor) restartWait(id string, d time.Duration) bool {
	end := time.Now().Add(d)
	for {
		r, err := s.Records.Get(id)
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

func (s *Supervisor) recordExit(id string, info Exit, msg string) (*record.Container, error) {
	return s.Records.Modify(id, func(r *record.Container) error {
		if err := r.SetStatus(record.StatusExited); err != nil {
			return err
		}
		r.State.Pid, r.State.PidStart = 0, 0
		r.State.Health.Stopped()
		r.State.ExitCode, r.State.OOMKilled, r.State.Error = info.Code, info.OOM, msg
		r.State.FinishedAt = time.Now().UTC()
		return nil
	})
}

var (
	// errStopped ends the restart loop when stop or kill came during the delay.
	errStopped = errors.New("container stopped by the user")
	// errNoRestart: the restart policy does not run the container again.
	errNoRestart = errors.New("no restart")
)

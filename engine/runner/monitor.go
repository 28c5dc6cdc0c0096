package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/idlemon"
	"github.com/berth-containers/berth/engine/jsonlog"
	"github.com/berth-containers/berth/engine/monitor"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/fds"
	"github.com/berth-containers/berth/runtime/container"
)

// The container monitor's protocol, its supervision loop and its idle
// hand-over are engine/monitor's (its package doc draws them). The engine
// spawns the monitor, routes its process (MonitorMain) and hands the
// supervisor the steps of one run: create and start through the runtime,
// copy the output, follow, clean up (run.go).

// Env marks a process as a monitor, so main routes it before any
// command-line parsing.
const Env = monitor.Env

// IdleEnv=0 keeps a monitor in Go for the container's whole run.
const IdleEnv = monitor.IdleEnv

// reportErr is the start failure r reports, typed as it was in the
// monitor.
func reportErr(r monitor.Report) error {
	if reason := errdefs.ExecReason(r.Reason); reason != errdefs.ExecFailed {
		return &errdefs.ExecError{Reason: reason, Err: errors.New(r.Error)}
	}
	return &errdefs.StatusError{Code: r.Code, Err: errors.New(r.Error)}
}

// Main is the monitor process's whole life; it returns its exit code.
func Main(args []string) int {
	if os.Getenv(health.Env) != "" && len(args) == 3 {
		// A probe is a short-lived command like exec: the monitor's
		// small heap (GOGC=20 in its environment) would only slow it.
		debug.SetGCPercent(100)
		return ops{core.New(args[0], args[1], nil, core.NewInUse(args[0]))}.prober().Main(args[2]) // engine/health
	}
	// Idle monitors are most of berth's memory: keep the heap small.
	debug.SetGCPercent(20)
	debug.SetMemoryLimit(4 << 20)
	if len(args) != 3 {
		fmt.Fprintln(os.Stderr, "berth monitor: want <root> <runroot> <id>")
		return 2
	}
	e := ops{core.New(args[0], args[1], nil, core.NewInUse(args[0]))}
	if why := os.Getenv(idlemon.EnvResume); why != "" {
		return e.resumeMonitor(args[2], why) // its fds are its own (monitor.FDs)
	}
	fds.CloseInherited(4) // 0-2 are /dev/null, 3 the report pipe
	report := os.NewFile(3, "report")
	c, err := e.c.Records.Get(args[2])
	if err != nil {
		monitor.WriteReport(report, monitor.Report{Error: err.Error(), Code: 125})
		return 1
	}
	e.supervise(c, e.monitorStdio(c), func(r monitor.Report) { monitor.WriteReport(report, r) })
	return 0
}

// supervise runs the container until it exits for good
// (monitor.Supervisor): report is called once, after the first start or
// its failure.
func (e ops) supervise(c *record.Container, stdio *core.Stdio, report func(monitor.Report)) exitInfo {
	return e.superviseFrom(c, stdio, report, nil)
}

// superviseFrom is supervise for a monitor that re-executed itself: the
// first run is already underway, and resumed waits for its end.
func (e ops) superviseFrom(c *record.Container, stdio *core.Stdio, report func(monitor.Report), resumed func() (exitInfo, error)) exitInfo {
	s := &monitor.Supervisor{Records: e.c.Records, C: c, Steps: monitor.Steps{
		Run: func(started func(int)) (monitor.Exit, error) {
			return monitorExit(e.runOnce(c, stdio, stdio == nil, started))
		},
		Failed: func(err error) (int, string) {
			var xe *errdefs.ExecError
			if errors.As(err, &xe) {
				return xe.Reason.ExitCode(), string(xe.Reason)
			}
			return 125, ""
		},
		Emit:     func(action string) { e.c.Emit(c, action) },
		EmitExit: func(x monitor.Exit) { e.c.EmitExit(c, x.Code, x.OOM) },
		Release: func() {
			if err := e.c.Net.TearDown(c); err != nil {
				slog.Warn("tear down the container's network", "id", c.ID, "error", err)
			}
			if err := bundle.UnmountRootfs(e.c, c.ID); err != nil {
				slog.Warn("after the container's exit", "id", c.ID, "error", err)
			}
			e.c.EmitVolumes(c, "unmount")
		},
		Remove: func() {
			e.awaitWaiters(c.ID)
			if err := bundle.RemoveFiles(context.Background(), e.c, c, true); err != nil {
				slog.Warn("remove container after exit", "id", c.ID, "error", err)
			}
		},
		Detached: stdio == nil || stdio.Detached,
	}}
	var first func() (monitor.Exit, error)
	if resumed != nil {
		first = func() (monitor.Exit, error) { return monitorExit(resumed()) }
	}
	x := s.Supervise(report, first)
	return exitInfo{code: x.Code, oom: x.OOM}
}

func monitorExit(info exitInfo, err error) (monitor.Exit, error) {
	return monitor.Exit{Code: info.code, OOM: info.oom}, err
}

// spawnMonitor starts the container's monitor and waits for its report.
func (e ops) spawnMonitor(c *record.Container) error {
	// GOMAXPROCS=1: one thread runs Go code; the monitor needs no more.
	env := []string{Env + "=1", "GOMAXPROCS=1", "GOGC=20", "MALLOC_ARENA_MAX=1", "GODEBUG=memprofilerate=0", "PATH=" + os.Getenv("PATH")}
	data, err := fds.SpawnDaemon("container's monitor", "berth-monitor", []string{"monitor", e.c.Root, e.c.Runroot, c.ID}, env)
	if err != nil {
		return err
	}
	var rep monitor.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("the container's monitor exited without a report (%q): see berth logs %s", data, c.Name)
	}
	if rep.Error != "" {
		return reportErr(rep)
	}
	return nil
}

// idleCapable reports whether a run can go idle: in a monitor process,
// with the monitor's own Stdio (or none), not a foreground berth run.
func idleCapable(stdio *core.Stdio, keepStdin bool) bool {
	if os.Getenv(Env) == "" || os.Getenv(IdleEnv) == "0" {
		return false
	}
	return (stdio == nil && keepStdin) || (stdio != nil && stdio.Detached)
}

// goIdle hands the running container pid to the C loop (monitor.GoIdle).
// It returns only if the exec failed, or with monitor.ErrAttached.
func (e ops) goIdle(c *record.Container, pid int, s streams, stdio *core.Stdio) error {
	i := monitor.Idle{Pid: pid, LogPath: e.c.LogPath(c.ID), LogMax: c.HostConfig.LogMaxSize, LogFiles: jsonlog.Files(c.HostConfig.LogMaxFile),
		Master: s.master, Out: s.out, Err: s.err, KeepStdin: s.keep}
	if health.Probing(c.Config.Healthcheck) {
		i.Probe = health.First(c.Config.Healthcheck)
	}
	if stdio != nil {
		i.Attach = stdio.Attach
	}
	return monitor.GoIdle(i)
}

// resumeMonitor is MonitorMain in a monitor that the C loop re-executed:
// why is "exit:<code>" or "wake".
func (e ops) resumeMonitor(id, why string) int {
	fds, err := monitor.Resume()
	if err != nil {
		fmt.Fprintln(os.Stderr, "berth monitor:", err)
		return 2
	}
	c, err := e.c.Records.Get(id)
	if err != nil {
		fmt.Fprintln(os.Stderr, "berth monitor:", err)
		return 1
	}
	var stdio *core.Stdio
	if srv := fds.Attach(); srv != nil {
		stdio = attachedStdio(srv)
	}
	keep := fds.KeepStdin()
	var resumed func() (exitInfo, error)
	switch {
	case strings.HasPrefix(why, "exit:"):
		code, err := strconv.Atoi(strings.TrimPrefix(why, "exit:"))
		if err != nil {
			code = record.ExitUnknown
		}
		// The C loop closed the output pipes: their numbers may be
		// anything now.
		resumed = func() (exitInfo, error) { return e.finishRun(c, code) }
	case why == "wake":
		resumed = func() (_ exitInfo, err error) {
			log, err := jsonlog.Open(e.c.LogPath(c.ID), c.HostConfig.LogMaxSize, jsonlog.Files(c.HostConfig.LogMaxFile))
			if err != nil {
				return exitInfo{}, err
			}
			defer func() {
				if cerr := log.Close(); cerr != nil {
					err = errors.Join(err, fmt.Errorf("close the log of container %s: %w", c.Name, cerr))
				}
			}()
			fw := container.NewForwarder()
			defer fw.Stop()
			var s streams
			s.out, s.err, s.master = fds.Output()
			defer func() {
				for _, f := range []*os.File{s.out, s.err, s.master} {
					if f != nil {
						f.Close()
					}
				}
			}()
			if s.master != nil && stdio != nil && stdio.OnConsole != nil {
				stdio.OnConsole(s.master)
			}
			var wg sync.WaitGroup
			e.copyOutput(&wg, s, stdio, log)
			return e.follow(c, fds.Pid, fw, &wg)
		}
	default:
		fmt.Fprintf(os.Stderr, "berth monitor: bad $%s %q\n", idlemon.EnvResume, why)
		return 2
	}
	e.superviseFrom(c, stdio, func(monitor.Report) {}, resumed)
	for _, f := range keep {
		if f != nil {
			f.Close()
		}
	}
	return 0
}

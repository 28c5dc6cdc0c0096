package engine

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/attach"
	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/idlemon"
	"github.com/berth-containers/berth/engine/jsonlog"
	"github.com/berth-containers/berth/runtime/container"
)

// The Go half of the monitor's idle phase; monitor.go draws the protocol.

const (
	// monitorFDsEnv carries monitorFDs across the monitor's execs.
	monitorFDsEnv = "BERTH_MONITOR_FDS"
	// MonitorIdleEnv=0 keeps a monitor in Go for the container's whole run
	// (to compare, or to debug the C loop).
	MonitorIdleEnv = "BERTH_MONITOR_IDLE"
)

// monitorFDs are the fd numbers a monitor keeps across its execs; -1 is
// none.
type monitorFDs struct {
	pid                int
	out, err, master   int // output of the run: pipes, or the pty master
	listen             int // attach.sock
	stdinR, stdinW     int // the attach server's stdin pipe
	keepStdR, keepStdW int // a -d -i container's stdin without attach socket
}

func (m monitorFDs) String() string {
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d,%d,%d,%d", m.pid, m.out, m.err, m.master, m.listen, m.stdinR, m.stdinW, m.keepStdR, m.keepStdW)
}

func parseMonitorFDs(s string) (monitorFDs, error) {
	var v [9]int
	parts := strings.Split(s, ",")
	if len(parts) != len(v) {
		return monitorFDs{}, fmt.Errorf("bad $%s %q", monitorFDsEnv, s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return monitorFDs{}, fmt.Errorf("bad $%s %q: %w", monitorFDsEnv, s, err)
		}
		v[i] = n
	}
	return monitorFDs{pid: v[0], out: v[1], err: v[2], master: v[3], listen: v[4], stdinR: v[5], stdinW: v[6], keepStdR: v[7], keepStdW: v[8]}, nil
}

// idleCapable reports whether a run can go idle: in a monitor process,
// with the monitor's own Stdio (or none), not a foreground berth run.
func idleCapable(stdio *Stdio, keepStdin bool) bool {
	if os.Getenv(MonitorEnv) == "" || os.Getenv(MonitorIdleEnv) == "0" {
		return false
	}
	return (stdio == nil && keepStdin) || (stdio != nil && stdio.detached)
}

// errAttached keeps a monitor in Go while an attach client is connected.
var errAttached = errors.New("a client is attached")

// attachOf finds the attach server behind a monitor's Stdio.
func attachOf(stdio *Stdio) *attach.Server {
	if stdio == nil {
		return nil
	}
	return stdio.attach
}

func fdOf(f *os.File) int {
	if f == nil {
		return -1
	}
	return int(f.Fd())
}

// goIdle hands the running container pid to the C loop. It returns only
// if the exec failed.
func (e *monitorOps) goIdle(c *Container, pid int, s streams, stdio *Stdio) error {
	p := idlemon.Params{Pid: pid, LogPath: e.dirs.logPath(c.ID), LogMax: c.HostConfig.LogMaxSize, LogFiles: jsonlog.Files(c.HostConfig.LogMaxFile)}
	if p.LogMax <= 0 {
		p.LogMax = jsonlog.DefaultMaxSize
	}
	if health.Probing(c.Config.Healthcheck) {
		p.Probe = health.First(c.Config.Healthcheck)
	}
	fds := monitorFDs{pid: pid, out: -1, err: -1, master: -1, listen: -1, stdinR: -1, stdinW: -1, keepStdR: -1, keepStdW: -1}
	if s.master != nil {
		p.Out = s.master
		fds.master = fdOf(s.master)
	} else {
		p.Out, p.Err = s.out, s.err
		fds.out, fds.err = fdOf(s.out), fdOf(s.err)
	}
	if len(s.keep) == 2 {
		p.Keep = append(p.Keep, s.keep...)
		fds.keepStdR, fds.keepStdW = fdOf(s.keep[0]), fdOf(s.keep[1])
	}
	if srv := attachOf(stdio); srv != nil {
		l, busy, err := srv.Suspend()
		if err != nil {
			return err
		}
		if busy {
			return errAttached
		}
		p.Wake = l
		fds.listen = fdOf(l)
		stdinR, stdinW := srv.StdinPipe()
		if stdinR != nil {
			p.Keep = append(p.Keep, stdinR)
			fds.stdinR = fdOf(stdinR)
		}
		if stdinW != nil { // nil once a start -ai client closed it
			p.Keep = append(p.Keep, stdinW)
			fds.stdinW = fdOf(stdinW)
		}
	}
	env := []string{monitorFDsEnv + "=" + fds.String()}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, monitorFDsEnv+"=") && !strings.HasPrefix(kv, idlemon.EnvResume+"=") {
			env = append(env, kv)
		}
	}
	return idlemon.Exec(os.Args, env, p)
}

// adopt takes fd back as a file that children do not inherit.
func adopt(fd int, name string) *os.File {
	if fd < 0 {
		return nil
	}
	unix.CloseOnExec(fd)
	return os.NewFile(uintptr(fd), name)
}

// resumeMonitor is MonitorMain in a monitor that the C loop re-executed:
// why is "exit:<code>" or "wake".
func (e *monitorOps) resumeMonitor(id, why string) int {
	fds, err := parseMonitorFDs(os.Getenv(monitorFDsEnv))
	// Constant, valid names: Unsetenv cannot fail on them.
	_ = os.Unsetenv(monitorFDsEnv)
	_ = os.Unsetenv(idlemon.EnvResume)
	if err != nil {
		fmt.Fprintln(os.Stderr, "berth monitor:", err)
		return 2
	}
	c, err := e.db.get(id)
	if err != nil {
		fmt.Fprintln(os.Stderr, "berth monitor:", err)
		return 1
	}
	var stdio *Stdio
	if fds.listen >= 0 {
		f := adopt(fds.listen, "attach.sock")
		l, err := net.FileListener(f)
		f.Close()
		if err == nil {
			stdio = attachedStdio(attach.Adopt(l.(*net.UnixListener), adopt(fds.stdinR, "stdin"), adopt(fds.stdinW, "stdin-w")))
		}
	}
	// Held only so that the container's stdin stays open; a restart makes
	// a new pipe.
	keep := []*os.File{adopt(fds.keepStdR, "stdin"), adopt(fds.keepStdW, "stdin-w")}
	var resumed func() (exitInfo, error)
	switch {
	case strings.HasPrefix(why, "exit:"):
		code, err := strconv.Atoi(strings.TrimPrefix(why, "exit:"))
		if err != nil {
			code = exitUnknown
		}
		// The C loop closed the output pipes: their numbers may be
		// anything now.
		resumed = func() (exitInfo, error) { return e.finishRun(c, code) }
	case why == "wake":
		resumed = func() (_ exitInfo, err error) {
			log, err := jsonlog.Open(e.dirs.logPath(c.ID), c.HostConfig.LogMaxSize, jsonlog.Files(c.HostConfig.LogMaxFile))
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
			s := streams{out: adopt(fds.out, "stdout"), err: adopt(fds.err, "stderr"), master: adopt(fds.master, "console")}
			defer func() {
				for _, f := range []*os.File{s.out, s.err, s.master} {
					if f != nil {
						f.Close()
					}
				}
			}()
			if s.master != nil && stdio != nil && stdio.onConsole != nil {
				stdio.onConsole(s.master)
			}
			var wg sync.WaitGroup
			e.copyOutput(&wg, s, stdio, log)
			return e.follow(c, fds.pid, fw, &wg)
		}
	default:
		fmt.Fprintf(os.Stderr, "berth monitor: bad $%s %q\n", idlemon.EnvResume, why)
		return 2
	}
	e.superviseFrom(c, stdio, func(monitorReport) {}, resumed)
	for _, f := range keep {
		if f != nil {
			f.Close()
		}
	}
	return 0
}

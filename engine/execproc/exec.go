package execproc

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/specgen"
	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/container"
)

// Options are exec's flags.
type Options struct {
	Cmd         []string
	Interactive bool
	TTY         bool
	Detach      bool
	Env         []string
	EnvFiles    []string // read before Env, which wins, as in Docker
	User        string
	Workdir     string
	Privileged  bool
	// Timeout, if set, kills the process when it runs longer (a
	// healthcheck's): Exec then returns health.ErrTimeout.
	Timeout time.Duration
}

func (e ops) exec(ref string, o Options, stdio core.Stdio) (int, error) {
	c, err := e.c.Get(ref)
	if err != nil {
		return 125, err
	}
	if c.State.Status == record.StatusPaused {
		return 125, errdefs.NewStateError("", "container "+ref+" is paused, unpause the container before exec")
	}
	if !c.Running() {
		return 125, errdefs.NewStateError("", "container "+c.ID+" is not running")
	}
	rc, err := e.c.LoadRuntime(c)
	if err != nil {
		return 125, err
	}
	s, err := rc.Spec()
	if err != nil {
		return 125, err
	}
	proc := *s.Process
	proc.Args, proc.Terminal = o.Cmd, o.TTY
	for _, f := range o.EnvFiles {
		kvs, err := options.ParseEnvFile(f)
		if err != nil {
			return 125, err
		}
		proc.Env = options.MergeEnv(proc.Env, kvs)
	}
	if o.TTY && !hasEnv(proc.Env, "TERM") {
		proc.Env = append(proc.Env, "TERM=xterm") // dockerd's, as for run -t
	}
	for _, kv := range o.Env {
		if err := options.ValidateEnv(kv); err != nil {
			return 125, err
		}
		proc.Env = options.MergeEnv(proc.Env, options.ExpandEnv(kv))
	}
	if o.Workdir != "" {
		proc.Cwd = o.Workdir
	}
	if o.User != "" {
		if proc.User, err = bundle.ContainerUser(e.c.RootfsDir(c.ID), o.User); err != nil {
			// Docker's exec fails so inside the container: 126.
			return 126, &errdefs.ExecError{Reason: errdefs.ExecFailed, Err: err}
		}
	}
	if proc.User.Umask == nil {
		// Not the caller's umask (000 would make every file the process
		// creates world-writable): Docker's exec'd processes get dockerd's.
		umask := uint32(0o022)
		proc.User.Umask = &umask
	}
	if o.Privileged {
		caps := specgen.Bounded(specgen.AllCaps(), bundle.CapBound())
		proc.Capabilities.Bounding, proc.Capabilities.Permitted, proc.Capabilities.Effective = caps, caps, caps
	}
	if o.Detach {
		return e.execDetached(c, &proc, o.TTY, e.c.EmitExec(c, o.Cmd))
	}
	// The exec'd process comes back to us to be reaped.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return 125, fmt.Errorf("become child subreaper: %w", err)
	}
	fw := container.NewForwarder()
	defer fw.Stop()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return 125, err
	}
	defer devNull.Close()
	opts := container.ExecOptions{Stdin: devNull, Stdout: stdio.Out, Stderr: stdio.Err}
	if o.Interactive && stdio.In != nil {
		opts.Stdin = stdio.In
	}
	var conn *net.UnixConn
	if o.TTY {
		local, remote, err := console.Pair()
		if err != nil {
			return 125, err
		}
		conn = remote
		defer conn.Close()
		defer local.Close()
		opts.Console = local
	}
	execID := e.c.EmitExec(c, o.Cmd)
	pid, err := rc.Exec(&proc, opts)
	if err != nil {
		xe := errdefs.ExecFailure(err)
		return xe.Reason.ExitCode(), xe
	}
	done := make(chan struct{})
	if conn != nil {
		master, err := console.RecvMaster(conn, 5*time.Second)
		if err != nil {
			return 125, fmt.Errorf("receive the exec's pty: %w", err)
		}
		defer master.Close()
		go func() {
			in := stdio.In
			if !o.Interactive || in == nil {
				in = devNull
			}
			if err := console.Proxy(master, in, stdio.Out); err != nil {
				slog.Warn("proxy the exec's terminal", "container", c.ID, "error", err)
			}
			close(done)
		}()
	} else {
		close(done)
	}
	var timedOut atomic.Bool
	if o.Timeout > 0 {
		t := time.AfterFunc(o.Timeout, func() {
			timedOut.Store(true)
			// ESRCH: it ended by itself just now, which Wait reports.
			_ = unix.Kill(pid, unix.SIGKILL)
		})
		defer t.Stop()
	}
	code, err := fw.Wait(pid)
	if err != nil {
		return 125, err
	}
	if timedOut.Load() {
		return -1, health.ErrTimeout
	}
	e.c.Emit(c, "exec_die", "execID", execID, "exitCode", strconv.Itoa(int(code)))
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	return int(code), nil
}

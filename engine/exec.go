package engine

import (
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/runtime/user"
)

// ExecOptions are exec's flags.
type ExecOptions struct {
	Cmd         []string
	Interactive bool
	TTY         bool
	Detach      bool
	Env         []string
	EnvFiles    []string // read before Env, which wins, as in Docker
	User        string
	Workdir     string
	Privileged  bool
}

// Exec runs a process in a running container through the runtime library
// and, unless Detach, waits for it and returns its exit code.
func (e *Engine) Exec(ref string, o ExecOptions, stdio Stdio) (int, error) {
	c, err := e.Get(ref)
	if err != nil {
		return 125, err
	}
	if c.State.Status == StatusPaused {
		return 125, fmt.Errorf("container %s is paused, unpause the container before exec", c.ID)
	}
	if !c.Running() {
		return 125, fmt.Errorf("container %s is not running", c.ID)
	}
	rc, err := e.loadRuntime(c)
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
		kvs, err := ParseEnvFile(f)
		if err != nil {
			return 125, err
		}
		proc.Env = mergeEnv(proc.Env, kvs)
	}
	for _, kv := range o.Env {
		if err := ValidateEnv(kv); err != nil {
			return 125, err
		}
		proc.Env = mergeEnv(proc.Env, expandEnv(kv))
	}
	if o.Workdir != "" {
		proc.Cwd = o.Workdir
	}
	if o.User != "" {
		if proc.User, err = user.Parse(e.rootfsDir(c.ID), o.User); err != nil {
			return 125, fmt.Errorf("unable to find user %s: %w", o.User, err)
		}
	}
	if o.Privileged {
		caps := boundedCaps(allCaps())
		proc.Capabilities.Bounding, proc.Capabilities.Permitted, proc.Capabilities.Effective = caps, caps, caps
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
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return 125, fmt.Errorf("console socketpair: %w", err)
		}
		local := os.NewFile(uintptr(pair[0]), "console")
		remote := os.NewFile(uintptr(pair[1]), "console-remote")
		fc, err := net.FileConn(remote)
		remote.Close()
		if err != nil {
			local.Close()
			return 125, err
		}
		conn = fc.(*net.UnixConn)
		defer conn.Close()
		defer local.Close()
		opts.Console = local
	}
	pid, err := rc.Exec(&proc, opts)
	if err != nil {
		se := startFailure(err)
		return se.Code, se
	}
	done := make(chan struct{})
	if conn != nil {
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		master, err := console.RecvFD(conn)
		if err != nil {
			return 125, fmt.Errorf("receive the exec's pty: %w", err)
		}
		defer master.Close()
		go func() {
			in := stdio.In
			if !o.Interactive || in == nil {
				in = devNull
			}
			console.Proxy(master, in, stdio.Out)
			close(done)
		}()
	} else {
		close(done)
	}
	if o.Detach {
		return 0, nil
	}
	code, err := fw.Wait(pid)
	if err != nil {
		return 125, err
	}
	select {
	case <-done:
	case <-time.After(time.Second):
	}
	return int(code), nil
}

package runner

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/jsonlog"
	"github.com/berth-containers/berth/engine/monitor"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/cgroups/oom"
	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/container"
)

// deleteRuntime removes the runtime's state of a run that failed or was
// left by a killed monitor; the caller's error (or none) is what matters,
// so a failed delete is only logged.
func deleteRuntime(rc core.Runtime, id string) {
	if err := rc.Delete(true); err != nil {
		slog.Warn("delete runtime state", "id", id, "error", err)
	}
}

// exitInfo is how one run of the container ended.
type exitInfo struct {
	code int
	oom  bool
}

// runOnce creates and starts the container through the runtime library,
// copies its output into the log (and to io, if attached), and waits for
// it. started is called once it runs, with its pid. A detached monitor's
// run does not come back: once the container runs, the monitor hands it to
// its idle loop (engine/monitor), which re-executes berth when it exits.
func (e ops) runOnce(c *record.Container, stdio *core.Stdio, keepStdin bool, started func(pid int)) (_ exitInfo, err error) {
	if old, err := e.c.LoadRuntime(c); err == nil {
		deleteRuntime(old, c.ID) // left by a monitor that was killed
	}
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
	fw.Hold = stdio != nil && stdio.NoSigProxy
	opts := container.CreateOptions{Bundle: e.c.ContainerDir(c.ID), Spec: e.c.TakeSpec(c.ID)}
	var closeAfter []io.Closer
	defer func() {
		for _, f := range closeAfter {
			f.Close()
		}
	}()
	var in *os.File
	if stdio != nil {
		in = stdio.In
	}
	idle := idleCapable(stdio, keepStdin)
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		return exitInfo{}, err
	}
	closeAfter = append(closeAfter, devNull)
	var consoleConn *net.UnixConn
	var s streams
	if c.Config.Tty {
		local, conn, err := console.Pair()
		if err != nil {
			return exitInfo{}, err
		}
		consoleConn = conn
		closeAfter = append(closeAfter, consoleConn, local)
		opts.Console = local
		opts.Stdin, opts.Stdout, opts.Stderr = devNull, devNull, devNull
	} else {
		outR, outW, err := os.Pipe()
		if err != nil {
			return exitInfo{}, err
		}
		errR, errW, err := os.Pipe()
		if err != nil {
			return exitInfo{}, err
		}
		closeAfter = append(closeAfter, outR, outW, errR, errW)
		opts.Stdout, opts.Stderr, opts.Stdin = outW, errW, devNull
		s.out, s.err = outR, errR
		switch {
		case in != nil && c.Config.OpenStdin:
			opts.Stdin = in
		case keepStdin && c.Config.OpenStdin:
			// -d -i: stdin stays open (never EOF) for a later attach.
			inR, inW, err := os.Pipe()
			if err != nil {
				return exitInfo{}, err
			}
			closeAfter = append(closeAfter, inR, inW)
			opts.Stdin = inR
			s.keep = []*os.File{inR, inW}
		}
	}
	var wg sync.WaitGroup
	if !idle {
		// Read from the start: what the init writes when create fails
		// goes to the log too.
		e.copyOutput(&wg, s, stdio, log)
	}
	e.c.Mark("log, pipes")
	rc, err := e.c.CreateRuntime(c, opts)
	e.c.Mark("runtime create")
	if opts.Stdout != devNull {
		opts.Stdout.(*os.File).Close()
		opts.Stderr.(*os.File).Close()
	}
	if err != nil {
		if idle {
			e.copyOutput(&wg, s, stdio, log)
		}
		wg.Wait()
		return exitInfo{}, errdefs.ExecFailure(err)
	}
	if consoleConn != nil {
		master, err := console.RecvMaster(consoleConn, 5*time.Second)
		if err != nil {
			deleteRuntime(rc, c.ID)
			return exitInfo{}, fmt.Errorf("receive the container's pty: %w", err)
		}
		closeAfter = append(closeAfter, master)
		if stdio != nil && stdio.OnConsole != nil {
			stdio.OnConsole(master)
		}
		s.master = master
		if !idle {
			e.copyOutput(&wg, streams{master: master}, stdio, log)
		}
	}
	if err := rc.Start(); err != nil {
		deleteRuntime(rc, c.ID)
		return exitInfo{}, errdefs.ExecFailure(err)
	}
	e.c.Mark("runtime start")
	started(rc.Pid())
	if idle {
		// Returns only if the idle loop could not be started: then this
		// process goes on watching the container itself.
		if err := e.goIdle(c, rc.Pid(), s, stdio); !errors.Is(err, monitor.ErrAttached) {
			slog.Warn("monitor stays in Go", "id", c.ID, "error", err)
		}
		e.copyOutput(&wg, s, stdio, log)
	}
	return e.follow(c, rc.Pid(), fw, &wg)
}

// streams are what a monitor reads of a running container: its output
// pipes, or the pty master with a terminal. keep are files it only holds
// open (the write end of a -d -i container's stdin).
type streams struct {
	out, err, master *os.File
	keep             []*os.File
}

// copyOutput starts the copies of s into the log and to stdio.
func (e ops) copyOutput(wg *sync.WaitGroup, s streams, stdio *core.Stdio, log *jsonlog.File) {
	var out, errw io.Writer
	var in *os.File
	if stdio != nil {
		out, errw, in = stdio.Out, stdio.Err, stdio.In
	}
	if s.out != nil {
		wg.Add(2)
		go func() { defer wg.Done(); jsonlog.CopyStream(log, "stdout", s.out, out) }()
		go func() { defer wg.Done(); jsonlog.CopyStream(log, "stderr", s.err, errw) }()
	}
	if s.master != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if in != nil {
				if err := console.Proxy(s.master, in, teeLog{log, out}); err != nil {
					slog.Warn("proxy the container's terminal", "error", err)
				}
				return
			}
			jsonlog.CopyStream(log, "stdout", s.master, out)
		}()
	}
}

// follow waits for the container's process pid to exit and for its
// output copies to end, then cleans up after it.
func (e ops) follow(c *record.Container, pid int, fw *container.Forwarder, wg *sync.WaitGroup) (exitInfo, error) {
	stopHealth := e.watchHealth(c)
	code, err := fw.Wait(pid)
	stopHealth()
	e.c.Mark("container ran")
	if err != nil {
		if rc, lerr := e.c.LoadRuntime(c); lerr == nil {
			deleteRuntime(rc, c.ID)
		}
		return exitInfo{}, err
	}
	waitTimeout(wg, 2*time.Second)
	return e.finishRun(c, int(code))
}

// finishRun reads how a run that exited with code ended (OOM) and removes
// what the runtime kept of it.
func (e ops) finishRun(c *record.Container, code int) (exitInfo, error) {
	info := exitInfo{code: code}
	rc, err := e.c.LoadRuntime(c)
	if err != nil {
		return info, fmt.Errorf("clean up after container %s: %w", c.Name, err)
	}
	// A cgroup already gone (an external runtime's delete) reads as no OOM;
	// any other failure is logged, and the exit recorded without OOM. A
	// container with no cgroup (rootless without delegation) had no limit
	// for the OOM killer to enforce.
	if paths := rc.CgroupPaths(); len(paths) > 0 {
		kills, err := oom.Kills(cgroups.Load(paths))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			slog.Warn("container exited: read its OOM kills", "container", c.Name, "error", err)
		}
		info.oom = kills > 0
	}
	if err := rc.Finish(); err != nil {
		return info, fmt.Errorf("clean up after container %s: %w", c.Name, err)
	}
	e.c.Mark("runtime delete")
	return info, nil
}

// teeLog is the writer a foreground pty copies into: the terminal and the
// log.
type teeLog struct {
	log *jsonlog.File
	out io.Writer
}

func (t teeLog) Write(p []byte) (int, error) {
	t.log.Write("stdout", p)
	if t.out != nil {
		return t.out.Write(p)
	}
	return len(p), nil
}

// waitTimeout waits for the output copies; a process that escaped the
// container's pid namespace may hold a pipe open, and must not hang us.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

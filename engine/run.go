package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/berth-containers/berth/engine/attach"
	"github.com/berth-containers/berth/engine/jsonlog"
	"github.com/berth-containers/berth/engine/monitor"
	"github.com/berth-containers/berth/internal/mountpoint"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/snapshot"
)

// Stdio is the caller's end of a foreground container: nil fields mean
// not attached.
type Stdio struct {
	In       *os.File // with -i; a terminal is put in raw mode with -t
	Out, Err io.Writer
	// NoSigProxy keeps the signals this process gets from the container
	// (run --sig-proxy=false).
	NoSigProxy bool
	// detached marks a monitor's own Stdio (its attach server, attach.go);
	// onConsole is given the pty master of a -t container.
	detached  bool
	onConsole func(master *os.File)
	attach    *attach.Server
}

// prepare mounts the container's rootfs (unless a previous start left it
// mounted) and writes its bundle. Errors here are berth's own (exit 125).
func (e *runtimeOps) prepare(ctx context.Context, c *Container) error {
	rootfs := e.dirs.rootfsDir(c.ID)
	// The mount point is reached only through the container's 0700 run
	// directory: the rootfs is mounted in the host's mount namespace
	// without nosuid or nodev (the container needs its setuid binaries and
	// device nodes), so no other user may look up paths in it.
	if err := e.dirs.makeRunDir(c.ID); err != nil {
		return err
	}
	if err := statedir.Mkdir(rootfs, statedir.Mode); err != nil {
		return fmt.Errorf("create rootfs mount point: %w", err)
	}
	if !isMountPoint(rootfs) {
		mounts, err := e.rootfsMounts(ctx, c)
		if err != nil {
			return fmt.Errorf("%w (remove it with berth rm -f)", err)
		}
		if c.HostConfig.AutoRemove {
			// Its files go with it: overlay need not sync the upper dir's
			// filesystem at unmount, which costs a syncfs of the whole
			// disk (podman mounts --rm containers volatile too).
			for i := range mounts {
				if mounts[i].Type == "overlay" {
					mounts[i].Options = append(mounts[i].Options, "volatile")
				}
			}
		}
		if err := snapshot.MountAll(mounts, rootfs); err != nil {
			return fmt.Errorf("mount root filesystem of container %s: %w", c.Name, err)
		}
		e.ph.mark("mount rootfs")
	}
	if err := e.mountShm(c); err != nil {
		return errors.Join(err, e.unmountRootfs(c.ID))
	}
	if err := e.Network().setUp(ctx, c); err != nil {
		return errors.Join(err, e.unmountRootfs(c.ID))
	}
	s, err := e.buildSpec(c, rootfs)
	if err == nil {
		err = e.writeBundle(c, s)
	}
	e.ph.mark("spec and bundle")
	if err != nil {
		if nerr := e.Network().tearDown(c); nerr != nil {
			err = errors.Join(err, fmt.Errorf("tear down the network of container %s: %w", c.Name, nerr))
		}
		return errors.Join(err, e.unmountRootfs(c.ID))
	}
	e.ev.emitVolumes(c, "mount")
	return nil
}

// unmountRootfs unmounts the container's root filesystem, if mounted, and
// its shareable /dev/shm, which lives as long.
func (e *runtimeOps) unmountRootfs(id string) error {
	if err := e.unmountShm(id); err != nil {
		return err
	}
	rootfs := e.dirs.rootfsDir(id)
	if !isMountPoint(rootfs) {
		return nil
	}
	if err := snapshot.UnmountAll(rootfs); err != nil {
		return fmt.Errorf("unmount root filesystem of container %s: %w", id, err)
	}
	return nil
}

// deleteRuntime removes the runtime's state of a run that failed or was
// left by a killed monitor; the caller's error (or none) is what matters,
// so a failed delete is only logged.
func deleteRuntime(rc runtimeHandle, id string) {
	if err := rc.Delete(true); err != nil {
		slog.Warn("delete runtime state", "id", id, "error", err)
	}
}

// isMountPoint compares a directory's device with its parent's: an
// overlay mounted on it has a device of its own.
func isMountPoint(dir string) bool { return mountpoint.Is(dir) }

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
func (e *monitorOps) runOnce(c *Container, stdio *Stdio, keepStdin bool, started func(pid int)) (_ exitInfo, err error) {
	if old, err := e.rt.loadRuntime(c); err == nil {
		deleteRuntime(old, c.ID) // left by a monitor that was killed
	}
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
	fw.Hold = stdio != nil && stdio.NoSigProxy
	opts := container.CreateOptions{Bundle: e.dirs.containerDir(c.ID)}
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
	e.ph.mark("log, pipes")
	rc, err := e.rt.createRuntime(c, opts)
	e.ph.mark("runtime create")
	if opts.Stdout != devNull {
		opts.Stdout.(*os.File).Close()
		opts.Stderr.(*os.File).Close()
	}
	if err != nil {
		if idle {
			e.copyOutput(&wg, s, stdio, log)
		}
		wg.Wait()
		return exitInfo{}, execFailure(err)
	}
	if consoleConn != nil {
		master, err := console.RecvMaster(consoleConn, 5*time.Second)
		if err != nil {
			deleteRuntime(rc, c.ID)
			return exitInfo{}, fmt.Errorf("receive the container's pty: %w", err)
		}
		closeAfter = append(closeAfter, master)
		if stdio != nil && stdio.onConsole != nil {
			stdio.onConsole(master)
		}
		s.master = master
		if !idle {
			e.copyOutput(&wg, streams{master: master}, stdio, log)
		}
	}
	if err := rc.Start(); err != nil {
		deleteRuntime(rc, c.ID)
		return exitInfo{}, execFailure(err)
	}
	e.ph.mark("runtime start")
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
func (e *monitorOps) copyOutput(wg *sync.WaitGroup, s streams, stdio *Stdio, log *jsonlog.File) {
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
func (e *monitorOps) follow(c *Container, pid int, fw *container.Forwarder, wg *sync.WaitGroup) (exitInfo, error) {
	stopHealth := e.watchHealth(c)
	code, err := fw.Wait(pid)
	stopHealth()
	e.ph.mark("container ran")
	if err != nil {
		if rc, lerr := e.rt.loadRuntime(c); lerr == nil {
			deleteRuntime(rc, c.ID)
		}
		return exitInfo{}, err
	}
	waitTimeout(wg, 2*time.Second)
	return e.finishRun(c, int(code))
}

// finishRun reads how a run that exited with code ended (OOM) and removes
// what the runtime kept of it.
func (e *monitorOps) finishRun(c *Container, code int) (exitInfo, error) {
	info := exitInfo{code: code}
	rc, err := e.rt.loadRuntime(c)
	if err != nil {
		return info, fmt.Errorf("clean up after container %s: %w", c.Name, err)
	}
	// A cgroup already gone (an external runtime's delete) reads as no OOM;
	// any other failure is logged, and the exit recorded without OOM. A
	// container with no cgroup (rootless without delegation) had no limit
	// for the OOM killer to enforce.
	if paths := rc.CgroupPaths(); len(paths) > 0 {
		kills, err := cgroups.Load(paths).OOMKills()
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			slog.Warn("container exited: read its OOM kills", "container", c.Name, "error", err)
		}
		info.oom = kills > 0
	}
	if err := rc.Finish(); err != nil {
		return info, fmt.Errorf("clean up after container %s: %w", c.Name, err)
	}
	e.ph.mark("runtime delete")
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

// rootfsMounts are the mounts of a container's root filesystem: its
// writable snapshot over its image's layers.
func (e *runtimeOps) rootfsMounts(ctx context.Context, c *Container) ([]snapshot.Mount, error) {
	svc, err := e.imageService()
	if err != nil {
		return nil, err
	}
	sn, err := svc.Snapshotter()
	if err != nil {
		return nil, err
	}
	mounts, err := sn.Mounts(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("root filesystem of container %s: %w", c.Name, err)
	}
	return mounts, nil
}

package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/monitor"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/runner"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/internal/proc"
)

// start starts a created or exited container under a monitor of its own
// and returns once it runs. Starting a running container does nothing.
func (e ops) start(ctx context.Context, ref string) (*record.Container, error) {
	c, err := e.c.Get(ref)
	if err != nil {
		return nil, err
	}
	// One start at a time: a second one waits, then finds it running.
	unlock, err := e.lockContainer(c.ID)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if c, err = e.c.Get(c.ID); err != nil {
		return nil, err
	}
	if c.Running() || c.State.Status == record.StatusRestarting {
		return c, nil
	}
	if _, err := e.c.Records.Modify(c.ID, func(r *record.Container) error {
		r.State.StopRequested = false
		return nil
	}); err != nil {
		return nil, err
	}
	if err := bundle.Prepare(ctx, e.c, c); err != nil {
		return nil, err
	}
	if err := runner.SpawnMonitor(e.c, c); err != nil {
		return nil, err
	}
	return c, nil
}

// lockContainer takes the container's start lock, a flock of its
// directory, held until the monitor reports the start or its failure (its
// fd is close-on-exec: the monitor does not inherit it).
func (e ops) lockContainer(id string) (unlock func(), err error) {
	dir := e.c.ContainerDir(id)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("lock container %s: %w", id, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock container %s: %w", id, err)
	}
	return func() { unix.Close(fd) }, nil
}

// runAttached runs a container in the foreground: this process is its
// monitor, with stdio attached, and the container's exit code is returned.
//
// ctx ends the run: a cancel before the start refuses it with the
// context's error and starts nothing; one after it SIGKILLs the container
// and the run returns its exit code. The start holds the container's
// start lock until the start is recorded (or has failed), and the kill
// takes the lock first: a cancel either lands before the check of ctx
// under the lock, or its kill waits for the record of a running container.
// Nothing else is left for a cancel that lands while the container starts.
func (e ops) runAttached(ctx context.Context, c *record.Container, stdio *core.Stdio) (int, error) {
	unlock, err := e.lockContainer(c.ID)
	if err != nil {
		return 125, err
	}
	var once sync.Once
	release := func() { once.Do(unlock) }
	defer release()
	if err := ctx.Err(); err != nil {
		return 125, fmt.Errorf("run container %s: not started: %w", c.ID, err)
	}
	killed := make(chan struct{})
	stopKill := context.AfterFunc(ctx, func() {
		defer close(killed)
		e.killStarted(c.ID)
	})
	e.c.Net.OwnPorts = true
	e.c.Emit(c, "attach")
	if err := bundle.Prepare(context.WithoutCancel(ctx), e.c, c); err != nil {
		if c.HostConfig.AutoRemove {
			err = errors.Join(err, bundle.RemoveFiles(context.WithoutCancel(ctx), e.c, c, true))
		}
		release()
		if !stopKill() {
			<-killed
		}
		return 125, err
	}
	var startErr error
	code := runner.Supervise(e.c, c, stdio, func(r monitor.Report) {
		release() // the start is recorded: a kill now finds it running
		if r.Error != "" {
			startErr = runner.ReportErr(r)
		}
	})
	release()
	if !stopKill() {
		<-killed // no kill outlives the run
	}
	if startErr != nil {
		return code, startErr
	}
	return code, nil
}

// killStarted SIGKILLs the container once no start of it is under way
// (its start lock is free): one that has started is running then, and one
// that has not will not start. A container that is not running (exited,
// removed, or never started) has nothing to kill; one between two runs
// of its restart policy is not run again.
func (e ops) killStarted(id string) {
	unlock, err := e.lockContainer(id)
	if err != nil {
		return // its directory is gone: removed
	}
	unlock()
	// Recorded first, so that a restart policy does not start it again.
	if err := e.markStopped(id); err != nil {
		return
	}
	var notRunning *errdefs.StateError
	if _, err := e.kill(id, unix.SIGKILL); err != nil && !errors.As(err, &notRunning) && !errors.Is(err, store.ErrNotFound) {
		slog.Warn("kill the container of a cancelled run", "id", id, "error", err)
	}
}

// stop sends the stop signal, then SIGKILL after timeout seconds (<0: the
// container's own stop timeout), and waits for the exit to be recorded.
func (e ops) stop(ref string, timeout int) (*record.Container, error) {
	return e.signalStop(ref, 0, timeout)
}

// kill sends sig (SIGKILL if 0) to the container's process.
func (e ops) kill(ref string, sig unix.Signal) (*record.Container, error) {
	if sig == 0 {
		sig = unix.SIGKILL
	}
	c, err := e.c.Get(ref)
	if err != nil {
		return nil, err
	}
	if !c.Running() {
		return nil, errdefs.NewStateError("cannot kill container: "+ref, "container "+c.ID+" is not running")
	}
	if sig == unix.SIGKILL || sig == unix.SIGTERM || sig == unix.SIGINT {
		if err := e.markStopped(c.ID); err != nil {
			return nil, err
		}
	}
	e.c.EmitKill(c, sig)
	if err := unix.Kill(c.State.Pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
		return nil, fmt.Errorf("cannot kill container %s: %w", ref, err)
	}
	return c, nil
}

// markStopped records that the user stopped the container, so that its
// monitor does not restart it.
func (e ops) markStopped(id string) error {
	_, err := e.c.Records.Modify(id, func(r *record.Container) error {
		r.State.StopRequested = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("record the stop of container %s: %w", id, err)
	}
	return nil
}

func (e ops) signalStop(ref string, sig unix.Signal, timeout int) (*record.Container, error) {
	c, err := e.c.Get(ref)
	if err != nil {
		return nil, err
	}
	if !c.Running() && c.State.Status != record.StatusRestarting {
		return c, nil
	}
	if err := e.markStopped(c.ID); err != nil {
		return nil, err
	}
	if sig == 0 {
		sig = c.StopSignal()
	}
	if timeout < 0 {
		timeout = c.StopTimeout()
	}
	if c.Running() {
		e.thaw(c)
		e.c.EmitKill(c, sig)
		if err := unix.Kill(c.State.Pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
			return nil, fmt.Errorf("cannot stop container %s: %w", ref, err)
		}
		if !core.WaitGone(c.State.Pid, c.State.PidStart, time.Duration(timeout)*time.Second) {
			e.c.EmitKill(c, unix.SIGKILL)
			e.killAll(c)
		}
	}
	// The monitor records the exit right after; wait so that a ps or
	// inspect after stop sees it.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		cur, err := e.c.Get(c.ID)
		if err != nil || (!cur.Running() && cur.State.Status != record.StatusRestarting) {
			if err == nil {
				c = cur
			}
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	e.c.Emit(c, "stop")
	return c, nil
}

// killAll SIGKILLs every process of the container, through the runtime.
// What it cannot kill shows in the wait after it: failures are logged.
func (e ops) killAll(c *record.Container) {
	if rc, err := e.c.LoadRuntime(c); err == nil {
		if err := rc.Signal(unix.SIGKILL, true); err != nil {
			slog.Warn("stop: kill the container's processes", "id", c.ID, "error", err)
		}
	}
	if proc.Alive(c.State.Pid, c.State.PidStart) {
		if err := unix.Kill(c.State.Pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			slog.Warn("stop: kill the container's process", "id", c.ID, "error", err)
		}
	}
	core.WaitGone(c.State.Pid, c.State.PidStart, 5*time.Second)
}

// thaw resumes a paused container so it can act on a signal.
func (e ops) thaw(c *record.Container) {
	if c.State.Status == record.StatusPaused {
		// A container that stays frozen still gets the signal, and
		// SIGKILL after the timeout: the stop goes on.
		if err := e.unpause(c.ID); err != nil {
			slog.Warn("stop: unpause", "id", c.ID, "error", err)
		}
	}
}

// RemoveOptions are rm's flags.
type RemoveOptions struct {
	Force   bool // kill a running container first
	Volumes bool // remove its anonymous volumes too
}

// remove deletes a container: its process (with Force), monitor, runtime
// state, cgroup, mounts, snapshot, files and record.
func (e ops) remove(ctx context.Context, ref string, o RemoveOptions) error {
	c, err := e.c.Get(ref)
	if err != nil {
		return err
	}
	if (c.Running() || c.State.Status == record.StatusRestarting) && !o.Force {
		return fmt.Errorf("cannot remove container %q: container is %s: stop the container before removing or force remove", "/"+c.Name, c.State.Status)
	}
	// The monitor goes first, so it cannot restart what we tear down.
	if proc.Alive(c.State.MonitorPid, c.State.MonitorStart) && c.State.MonitorPid != os.Getpid() {
		if err := unix.Kill(c.State.MonitorPid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("remove container %s: kill its monitor %d: %w", c.Name, c.State.MonitorPid, err)
		}
		core.WaitGone(c.State.MonitorPid, c.State.MonitorStart, 5*time.Second)
	}
	e.c.EmitForcedRemove(c)
	return bundle.RemoveFiles(ctx, e.c, c, o.Volumes)
}

// wait blocks until the container is not running and returns its exit code.
func (e ops) wait(ctx context.Context, ref string) (int, error) {
	c, err := e.c.Get(ref)
	if err != nil {
		return 0, err
	}
	// Each exit ends the wait, one the restart policy follows too (Docker
	// wakes its waiters at SetRestarting): a new exit time tells it.
	since := c.State.FinishedAt
	for {
		if !c.Running() && (c.State.Status != record.StatusRestarting || !c.State.FinishedAt.Equal(since)) {
			return c.State.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		cur, err := e.c.Get(c.ID)
		if errors.Is(err, store.ErrNotFound) {
			return c.State.ExitCode, nil // removed (--rm) after it exited
		}
		if err != nil {
			return 0, err
		}
		c = cur
	}
}

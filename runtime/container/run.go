package container

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"
)

// Exit is how a container's process ended, in shell terms: its exit code,
// or 128+N after signal N.
type Exit int

func exitOf(ws unix.WaitStatus) Exit {
	if ws.Signaled() {
		return Exit(128 + int(ws.Signal()))
	}
	return Exit(ws.ExitStatus())
}

// Forwarder relays the runtime's signals to a container's init and reaps
// the children a child subreaper collects. Start it before the container's
// process can run, so no early exit or signal is missed.
type Forwarder struct {
	ch     chan os.Signal
	OnSize func() // called on SIGWINCH, if set
}

// NewForwarder starts catching signals.
func NewForwarder() *Forwarder {
	f := &Forwarder{ch: make(chan os.Signal, 128)}
	signal.Notify(f.ch)
	return f
}

// Stop restores default signal handling.
func (f *Forwarder) Stop() { signal.Stop(f.ch) }

// Wait forwards signals to pid until it exits, and returns how it ended.
func (f *Forwarder) Wait(pid int) (Exit, error) {
	if ex, done, err := reap(pid); done || err != nil {
		return ex, err
	}
	for sig := range f.ch {
		s := sig.(unix.Signal)
		switch s {
		case unix.SIGCHLD:
			if ex, done, err := reap(pid); done || err != nil {
				return ex, err
			}
		case unix.SIGURG:
			// The Go runtime preempts goroutines with SIGURG; it is not ours.
		case unix.SIGWINCH:
			if f.OnSize != nil {
				f.OnSize()
			}
		default:
			if err := unix.Kill(pid, s); err != nil && !errors.Is(err, unix.ESRCH) {
				return 0, fmt.Errorf("forward %s to pid %d: %w", unix.SignalName(s), pid, err)
			}
		}
	}
	return 0, errors.New("signal channel closed")
}

// reap collects every exited child; done is true once pid is among them.
func reap(pid int) (Exit, bool, error) {
	for {
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ECHILD) {
			return 0, false, fmt.Errorf("container process %d is not a child of the runtime", pid)
		}
		if err != nil {
			return 0, false, fmt.Errorf("wait for container process %d: %w", pid, err)
		}
		if got == 0 {
			return 0, false, nil
		}
		if got == pid {
			return exitOf(ws), true, nil
		}
	}
}

// Finish cleans up after a foreground run: every leftover process in the
// cgroup is killed (there are some when the container had no pid
// namespace of its own), then the container is deleted.
func (c *Container) Finish() error {
	if pids, err := c.cgroup().Pids(); err == nil && len(pids) > 0 {
		for _, p := range pids {
			unix.Kill(p, unix.SIGKILL)
		}
		for i := 0; i < 100; i++ {
			if pids, _ := c.cgroup().Pids(); len(pids) == 0 {
				break
			}
			reap(-1)
			time.Sleep(2 * time.Millisecond)
		}
	}
	return c.Delete(true)
}

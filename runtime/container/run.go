package container

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"sync"
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
	// Hold keeps the signals caught but not sent on (docker run
	// --sig-proxy=false): the container does not see them, and they do
	// not end this process either.
	Hold bool

	mu      sync.Mutex
	stopped bool
	child   chan struct{} // closed once SIGCHLD is caught
	caught  chan struct{} // closed once every signal is caught
}

// NewForwarder starts catching every signal, in the background: the Go
// runtime enables signals one at a time, each a round trip to its signal
// thread, and the 64 of them take 2-3 ms, as long as the rest of a
// container's start. Ready waits until they are all caught.
func NewForwarder() *Forwarder {
	f := &Forwarder{ch: make(chan os.Signal, 128), child: make(chan struct{}), caught: make(chan struct{})}
	go f.catchAll()
	return f
}

// maxSignal is the highest signal number on Linux (SIGRTMAX).
const maxSignal = 64

func (f *Forwarder) catchAll() {
	defer close(f.caught)
	// SIGCHLD first: Wait relies on it to learn of the exit. Then the
	// signals supervisors send, then the rest.
	first := []unix.Signal{unix.SIGCHLD, unix.SIGTERM, unix.SIGINT, unix.SIGHUP, unix.SIGQUIT,
		unix.SIGUSR1, unix.SIGUSR2, unix.SIGWINCH}
	sigs := make([]os.Signal, 0, maxSignal)
	for _, s := range first {
		sigs = append(sigs, s)
	}
	for s := unix.Signal(1); s <= maxSignal; s++ {
		if !slices.Contains(first, s) && s != unix.SIGKILL && s != unix.SIGSTOP {
			sigs = append(sigs, s)
		}
	}
	for i, s := range sigs {
		f.mu.Lock()
		if !f.stopped {
			signal.Notify(f.ch, s)
		}
		f.mu.Unlock()
		if i == 0 {
			close(f.child)
		}
	}
}

// Ready returns once every signal is caught: from then on a signal sent to
// this process reaches the container instead of ending this process.
func (f *Forwarder) Ready() { <-f.caught }

// Stop restores default signal handling, which takes as long as catching
// did: a process that exits anyway need not call it.
func (f *Forwarder) Stop() {
	f.mu.Lock()
	f.stopped = true
	f.mu.Unlock()
	signal.Stop(f.ch)
}

// Wait forwards signals to pid until it exits, and returns how it ended.
func (f *Forwarder) Wait(pid int) (Exit, error) {
	// An exit before SIGCHLD was caught sent no signal we can see: reap
	// only once it is, and the first reap finds such an exit.
	<-f.child
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
			if f.Hold {
				continue
			}
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
			sigkill(p)
		}
		for i := 0; i < 100; i++ {
			if pids, _ := c.cgroup().Pids(); len(pids) == 0 {
				break
			}
			// Reaps whatever of ours has exited; "not a child" is the
			// usual answer here (the leftovers were the init's).
			if _, _, err := reap(-1); err != nil {
				slog.Debug("reap leftovers", "id", c.ID(), "err", err)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return c.Delete(true)
}

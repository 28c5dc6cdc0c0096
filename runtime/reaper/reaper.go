// Package reaper relays a runtime's signals to a container's process and
// reaps its exit, and the exits of the orphans a child subreaper inherits:
// the foreground half of run, exec and restore.
package reaper

import (
	"errors"
	"fmt"
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
	since   uint64        // others' exits kept before it are not its child's
}

// NewForwarder starts catching every signal, in the background: the Go
// runtime enables signals one at a time, each a round trip to its signal
// thread, and the 64 of them take 2-3 ms, as long as the rest of a
// container's start. Ready waits until they are all caught.
func NewForwarder() *Forwarder {
	f := &Forwarder{ch: make(chan os.Signal, 128), child: make(chan struct{}), caught: make(chan struct{}), since: others.now()}
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
	if ex, done, err := reap(pid, f.since); done || err != nil {
		return ex, err
	}
	for sig := range f.ch {
		s := sig.(unix.Signal)
		switch s {
		case unix.SIGCHLD:
			if ex, done, err := reap(pid, f.since); done || err != nil {
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
// Another Forwarder's child it collects (two containers run in the
// foreground of one process, as a build's stages do) is kept for that
// Forwarder's own reap to find: exits kept since the Forwarder was made.
//
// One reap at a time in the process: a reap that found the book empty and
// then nothing to wait for, while another had waited for its pid but not
// yet kept it, would miss its exit until the next SIGCHLD (a build's
// failed step then ran on until its neighbour's 100 s sleep ended).
func reap(pid int, since uint64) (Exit, bool, error) {
	reapMu.Lock()
	defer reapMu.Unlock()
	for {
		if ws, ok := others.take(pid, since); ok {
			return exitOf(ws), true, nil
		}
		var ws unix.WaitStatus
		got, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if errors.Is(err, unix.ECHILD) {
			if ws, ok := others.take(pid, since); ok {
				return exitOf(ws), true, nil
			}
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
		others.keep(got, ws)
	}
}

// others are the exits reap collected that were not its own pid's: another
// Forwarder's child, or an orphan a child subreaper inherits (never
// claimed, dropped after a while). Each is numbered, so that a Forwarder
// takes only exits kept after it was made, not an older process's of the
// same pid.
var others = &exitBook{exits: map[int]keptExit{}}

// reapMu makes a reap's look in the book and its waits one step (reap).
var reapMu sync.Mutex

type exitBook struct {
	mu    sync.Mutex
	seq   uint64
	exits map[int]keptExit
}

type keptExit struct {
	ws   unix.WaitStatus
	seq  uint64
	when time.Time
}

// keepFor is how long an exit waits for its Forwarder: that one reaps on
// the same SIGCHLD, so it is long unclaimed only for an orphan's.
const keepFor = time.Minute

func (b *exitBook) now() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seq
}

func (b *exitBook) keep(pid int, ws unix.WaitStatus) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	for p, e := range b.exits {
		if now.Sub(e.when) > keepFor {
			delete(b.exits, p)
		}
	}
	b.seq++
	b.exits[pid] = keptExit{ws: ws, seq: b.seq, when: now}
}

func (b *exitBook) take(pid int, since uint64) (unix.WaitStatus, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.exits[pid]
	if !ok || e.seq <= since {
		return 0, false
	}
	delete(b.exits, pid)
	return e.ws, true
}

// ReapLeftovers collects whichever children have exited, keeping them for
// their Forwarders: what a foreground run does while its leftovers die.
// Its error is usually "not a child" (the leftovers were the init's).
func ReapLeftovers() error {
	_, _, err := reap(-1, 0)
	return err
}

package engine

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/attach"
	"github.com/berth-containers/berth/engine/errdefs"
)

// AttachStream is one attach connection to a running container's monitor
// for a program that does its own I/O (engine/attach has the protocol).
type AttachStream = attach.Stream

// StreamOptions say which streams an AttachStream carries; CloseStdin
// makes an empty WriteStdin end the container's stdin (Docker's StdinOnce).
type StreamOptions struct{ Stdin, Stdout, Stderr, CloseStdin bool }

// DialAttach connects to the monitor of the running container ref.
func (e *Engine) DialAttach(ref string, o StreamOptions) (*AttachStream, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	if !c.Running() {
		return nil, errdefs.NewStateError("", "container "+c.ID+" is not running")
	}
	conn, err := e.mon.dialAttach(c, attach.Hello(o))
	if err != nil {
		return nil, err
	}
	return attach.NewStream(conn), nil
}

// OpenLog opens the container's JSON log for reading, creating it empty
// when the container has not run yet (the monitor appends to it). A
// reader that opens it before the start keeps every line even when --rm
// deletes the file right after the exit.
func (e *Engine) OpenLog(ref string) (*os.File, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(e.c.LogPath(c.ID), os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the log of container %s: %w", c.ID, err)
	}
	return f, nil
}

// HoldRemoval keeps a --rm container's record until release: its monitor
// records the exit, then waits (a few seconds at most) for the shared
// locks of the log to go before it removes the container. A waiter that
// takes one before the exit (the API's wait, which docker run calls
// before start) so always reads the exit code.
func (e *Engine) HoldRemoval(ref string) (release func(), err error) {
	f, err := e.OpenLog(ref)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_SH); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock the log of container %s: %w", ref, err)
	}
	return func() { f.Close() }, nil
}

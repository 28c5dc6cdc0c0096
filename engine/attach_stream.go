package engine

import (
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// AttachStream is one attach connection to a running container's monitor
// for a program that does its own I/O, as the API server does for its
// hijacked connections (attach.go has the protocol).
type AttachStream struct{ conn *net.UnixConn }

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
		return nil, newStateError("", "container "+c.ID+" is not running")
	}
	conn, err := e.dialAttach(c, attachHello(o))
	if err != nil {
		return nil, err
	}
	return &AttachStream{conn: conn}, nil
}

// Read returns the next output: 1 for stdout, 2 for stderr, and its bytes.
func (a *AttachStream) Read() (byte, []byte, error) { return readFrame(a.conn) }

// WriteStdin sends p to the container's stdin; empty p ends it.
func (a *AttachStream) WriteStdin(p []byte) error { return writeFrame(a.conn, frameStdin, p) }

// Resize sets the size of the container's terminal.
func (a *AttachStream) Resize(height, width uint16) error {
	var p [4]byte
	binary.BigEndian.PutUint16(p[:], height)
	binary.BigEndian.PutUint16(p[2:], width)
	return writeFrame(a.conn, frameResize, p[:])
}

// Close ends the connection; the container runs on.
func (a *AttachStream) Close() error { return a.conn.Close() }

// OpenLog opens the container's JSON log for reading, creating it empty
// when the container has not run yet (the monitor appends to it). A
// reader that opens it before the start keeps every line even when --rm
// deletes the file right after the exit.
func (e *Engine) OpenLog(ref string) (*os.File, error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(e.logPath(c.ID), os.O_RDONLY|os.O_CREATE, 0o600)
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

// awaitWaiters is the monitor's side of HoldRemoval.
func (e *Engine) awaitWaiters(id string) {
	f, err := os.Open(e.logPath(id))
	if err != nil {
		return
	}
	defer f.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			return
		}
	}
}

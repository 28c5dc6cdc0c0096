package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/berth-containers/berth/engine/attach"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/record"
)

// AttachOptions are attach's flags.
type AttachOptions struct {
	NoStdin    bool
	SigProxy   bool   // forward the signals berth gets to the container
	DetachKeys string // "ctrl-p,ctrl-q" when empty
	// CloseStdin closes the container's stdin at the end of ours, as
	// Docker's StdinOnce for start -ai.
	CloseStdin bool
	logged     bool // the attach event is logged (start -a logs it before the start)
}

// ErrDetached is returned when the user typed the detach keys.
var ErrDetached = attach.ErrDetached

// Attach connects stdio to a running container through its monitor and
// returns the container's exit code once it stops.
func (e *Engine) Attach(ctx context.Context, ref string, o AttachOptions, stdio core.Stdio) (int, error) {
	c, err := e.Get(ref)
	if err != nil {
		return 125, err
	}
	if c.State.Status == record.StatusPaused {
		return 125, &errdefs.StateError{Msg: "you cannot attach to a paused container, unpause it first", Bare: true}
	}
	if !c.Running() {
		return 125, &errdefs.StateError{Msg: "you cannot attach to a stopped container, start it first", Bare: true}
	}
	keys, err := attach.ParseDetachKeys(o.DetachKeys)
	if err != nil {
		return 125, err
	}
	withStdin := !o.NoStdin && c.Config.OpenStdin && stdio.In != nil
	conn, err := e.mon.dialAttach(c, attach.Hello{Stdin: withStdin, Stdout: stdio.Out != nil, Stderr: stdio.Err != nil, CloseStdin: withStdin && o.CloseStdin})
	if err != nil {
		return 125, err
	}
	defer conn.Close()
	if !o.logged {
		e.c.Emit(c, "attach")
	}
	ses := attach.Session{Conn: conn, Out: stdio.Out, Err: stdio.Err, Tty: c.Config.Tty, Keys: keys,
		CloseStdin: o.CloseStdin, Name: c.ID,
		Wait: func() (int, error) { return e.Wait(context.WithoutCancel(ctx), c.ID) }}
	if withStdin {
		ses.In = stdio.In
	}
	if o.SigProxy && !c.Config.Tty {
		ses.ProxyPid = c.State.Pid
	}
	return ses.Run()
}

// StartAttached is start -a: it starts the container, prints its output
// from the log (which has all of it, from the first byte, unlike an
// attach made once it runs), with o's stdin (-i) feeds it through the
// monitor, and returns its exit code. Signals go to the container as with
// attach's proxy.
func (e *Engine) StartAttached(ctx context.Context, ref string, o AttachOptions, stdio core.Stdio) (int, error) {
	from := time.Now()
	o.logged = e.c.EmitAttach(ref)
	// A --rm container's record goes soon after its exit: hold its
	// removal until the exit code is read, or a fast exit would read as
	// the running record's 0.
	if rec, err := e.c.Get(ref); err == nil && rec.HostConfig.AutoRemove {
		release, err := e.HoldRemoval(rec.ID)
		if err != nil {
			return 125, err
		}
		defer awaitRemoval(e.c, rec.ID, release)
	}
	c, err := e.Start(ctx, ref)
	if err != nil {
		return 125, err
	}
	in := stdio
	in.Out, in.Err = nil, nil
	type attached struct {
		code int
		err  error
	}
	done := make(chan struct{})
	ended := make(chan attached, 1)
	go func() {
		code, err := e.Attach(ctx, c.ID, o, in)
		var sig *SignaledError
		if errors.Is(err, ErrDetached) || errors.As(err, &sig) {
			close(done) // the user left: stop following too
		}
		ended <- attached{code, err}
	}()
	lerr := e.Logs(c.ID, LogsOptions{Follow: true, Tail: -1, Since: from, Done: done}, stdio.Out, stdio.Err)
	a := <-ended
	var sig *SignaledError
	switch {
	case errors.Is(a.err, ErrDetached) || errors.As(a.err, &sig):
		return 0, a.err
	case a.err != nil:
		// It ended before attach reached it: the log and the record
		// have all there is.
		if cur, gerr := e.Get(c.ID); gerr != nil || cur.Running() {
			return 125, a.err
		}
		code, err := e.Wait(context.WithoutCancel(ctx), c.ID)
		if err != nil {
			return 125, err
		}
		return code, lerr
	}
	return a.code, lerr
}

// awaitRemoval lets a --rm container's monitor remove it and waits, up to
// 5 s, until it has: as with Docker's run --rm, the name is free again
// when the command returns.
func awaitRemoval(c *core.Core, id string, release func()) {
	release()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if r, err := c.Get(id); err != nil || r.Running() {
			return // removed, or started again meanwhile
		}
	}
}

// SignaledError is attach's: a signal ended the command.
type SignaledError = attach.SignaledError

// ErrNoAttachSocket is returned for a container no monitor of its own
// watches: one run in the foreground of `berth run`.
var ErrNoAttachSocket = errors.New("no attach socket")

// dialAttach connects to a container's monitor and says what it wants.
func (e *monitorOps) dialAttach(c *record.Container, h attach.Hello) (*net.UnixConn, error) {
	conn, err := attach.Dial(e.c.RunDir(c.ID), h)
	var de *attach.DialError
	if errors.As(err, &de) {
		return nil, fmt.Errorf("cannot attach to container %s: it runs in the foreground of its berth run (%w: %v)", c.Name, ErrNoAttachSocket, de.Err)
	}
	if err != nil {
		return nil, fmt.Errorf("attach to %s: %w", c.Name, err)
	}
	return conn, nil
}

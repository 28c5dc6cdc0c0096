package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/berth-containers/berth/runtime/console"
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
var ErrDetached = errors.New("read escape sequence")

// Attach connects stdio to a running container through its monitor and
// returns the container's exit code once it stops.
func (e *Engine) Attach(ctx context.Context, ref string, o AttachOptions, stdio Stdio) (int, error) {
	c, err := e.Get(ref)
	if err != nil {
		return 125, err
	}
	if c.State.Status == StatusPaused {
		return 125, &StateError{Msg: "you cannot attach to a paused container, unpause it first", Bare: true}
	}
	if !c.Running() {
		return 125, &StateError{Msg: "you cannot attach to a stopped container, start it first", Bare: true}
	}
	keys, err := parseDetachKeys(o.DetachKeys)
	if err != nil {
		return 125, err
	}
	withStdin := !o.NoStdin && c.Config.OpenStdin && stdio.In != nil
	conn, err := e.dialAttach(c, attachHello{Stdin: withStdin, Stdout: stdio.Out != nil, Stderr: stdio.Err != nil, CloseStdin: withStdin && o.CloseStdin})
	if err != nil {
		return 125, err
	}
	defer conn.Close()
	if !o.logged {
		e.emit(c, "attach")
	}
	detached := make(chan struct{})
	if withStdin {
		if c.Config.Tty && term.IsTerminal(int(stdio.In.Fd())) {
			st, err := term.MakeRaw(int(stdio.In.Fd()))
			if err == nil {
				defer term.Restore(int(stdio.In.Fd()), st)
			}
			stop := forwardSize(stdio.In, conn)
			defer stop()
		}
		go func() {
			if copyStdin(conn, stdio.In, keys, detached) && o.CloseStdin {
				writeFrame(conn, frameStdin, nil) // the end of stdin
			}
		}()
	}
	// As Docker's: with the proxy (not for a terminal) SIGINT and SIGTERM
	// go to the container and attach stays until it exits; without, they
	// end attach and the container runs on.
	leave := make(chan os.Signal, 1)
	if o.SigProxy && !c.Config.Tty {
		ch := make(chan os.Signal, 8)
		signal.Notify(ch, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
		defer signal.Stop(ch)
		go func() {
			for sig := range ch {
				unix.Kill(c.State.Pid, sig.(unix.Signal))
			}
		}()
	} else {
		signal.Notify(leave, unix.SIGINT, unix.SIGTERM)
		defer signal.Stop(leave)
	}
	type exit struct {
		code int
		err  error
	}
	waited := make(chan exit, 1)
	go func() {
		code, err := e.Wait(context.WithoutCancel(ctx), c.ID)
		// What the container wrote last is in the socket already: read
		// it, then stop.
		conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		waited <- exit{code, err}
	}()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		for {
			kind, p, err := readFrame(conn)
			if err != nil {
				return
			}
			switch {
			case kind == frameStdout && stdio.Out != nil:
				stdio.Out.Write(p)
			case kind == frameStderr && stdio.Err != nil:
				stdio.Err.Write(p)
			}
		}
	}()
	select {
	case <-detached:
		return 0, ErrDetached
	case sig := <-leave:
		return 0, &SignaledError{Signal: sig.(unix.Signal)}
	case <-copied:
	}
	x := <-waited
	if x.err != nil {
		return 125, x.err
	}
	return x.code, nil
}

// StartAttached is start -a: it starts the container, prints its output
// from the log (which has all of it, from the first byte, unlike an
// attach made once it runs), with o's stdin (-i) feeds it through the
// monitor, and returns its exit code. Signals go to the container as with
// attach's proxy.
func (e *Engine) StartAttached(ctx context.Context, ref string, o AttachOptions, stdio Stdio) (int, error) {
	from := time.Now()
	o.logged = e.emitAttach(ref)
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

// SignaledError ends a command that a signal should end as it ends a
// process with no handler: the caller re-raises Signal once its clean-up
// (a terminal's mode) is done.
type SignaledError struct{ Signal unix.Signal }

func (e *SignaledError) Error() string { return "interrupted by " + e.Signal.String() }

// copyStdin sends in to the container until EOF or the detach keys; it
// reports whether it read to the end.
func copyStdin(conn *net.UnixConn, in io.Reader, keys []byte, detached chan struct{}) bool {
	buf := make([]byte, 32<<10)
	matched := 0
	for {
		n, err := in.Read(buf)
		if n > 0 {
			p := buf[:n]
			if len(keys) > 0 {
				var out bytes.Buffer
				for _, b := range p {
					if b == keys[matched] {
						matched++
						if matched == len(keys) {
							close(detached)
							return false
						}
						continue
					}
					out.Write(keys[:matched])
					matched = 0
					out.WriteByte(b)
				}
				p = out.Bytes()
			}
			if len(p) > 0 && writeFrame(conn, frameStdin, p) != nil {
				return false
			}
		}
		if err != nil {
			return errors.Is(err, io.EOF)
		}
	}
}

// forwardSize sends the terminal's size now and on every SIGWINCH.
func forwardSize(f *os.File, conn *net.UnixConn) (stop func()) {
	send := func() {
		b, err := console.Size(f)
		if err != nil {
			return
		}
		var p [4]byte
		binary.BigEndian.PutUint16(p[:], uint16(b.Height))
		binary.BigEndian.PutUint16(p[2:], uint16(b.Width))
		writeFrame(conn, frameResize, p[:])
	}
	send()
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-ch:
				send()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// parseDetachKeys reads Docker's --detach-keys: comma-separated single
// characters or ctrl-<x>. An empty string is Docker's ctrl-p,ctrl-q.
func parseDetachKeys(s string) ([]byte, error) {
	if s == "" {
		s = "ctrl-p,ctrl-q"
	}
	var out []byte
	for _, k := range strings.Split(s, ",") {
		lk := strings.ToLower(k)
		switch {
		case len(k) == 1:
			out = append(out, k[0])
		case strings.HasPrefix(lk, "ctrl-") && len(lk) == 6:
			ch := lk[5]
			switch {
			case ch >= 'a' && ch <= 'z':
				out = append(out, ch-'a'+1)
			case ch == '@':
				out = append(out, 0)
			case ch >= '[' && ch <= '_':
				out = append(out, ch-'['+27)
			default:
				return nil, fmt.Errorf("invalid detach keys %q: use ctrl-<a-z,@,[,\\,],^,_> or single characters, comma separated", s)
			}
		default:
			return nil, fmt.Errorf("invalid detach keys %q: use ctrl-<a-z,@,[,\\,],^,_> or single characters, comma separated", s)
		}
	}
	return out, nil
}

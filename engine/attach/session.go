package attach

import (
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// ErrDetached is returned when the user typed the detach keys.
var ErrDetached = errors.New("read escape sequence")

// SignaledError ends a command that a signal should end as it ends a
// process with no handler: the caller re-raises Signal once its clean-up
// (a terminal's mode) is done.
type SignaledError struct{ Signal unix.Signal }

func (e *SignaledError) Error() string { return "interrupted by " + e.Signal.String() }

// Session is an interactive client's end of one attach, as docker attach:
// the client's terminal in raw mode for a -t container, its stdin copied
// until the detach keys, the container's output copied out, and signals
// proxied to the container or ending the session.
type Session struct {
	Conn *net.UnixConn // from Dial
	// In is the client's stdin, nil when the container gets none; Out and
	// Err its output (either may be nil).
	In       *os.File
	Out, Err io.Writer
	// Tty is the container's terminal: a terminal In goes raw and its
	// size follows.
	Tty  bool
	Keys []byte // the detach keys, from ParseDetachKeys
	// CloseStdin closes the container's stdin at the end of In, as
	// Docker's StdinOnce.
	CloseStdin bool
	// ProxyPid, when not 0, is the process the signals berth gets go to,
	// and the session stays until the container exits; with 0, SIGINT and
	// SIGTERM end the session and the container runs on.
	ProxyPid int
	// Wait waits for the container's exit and returns its code.
	Wait func() (int, error)
	// Name names the container in the log.
	Name string
}

// Run runs the session until the container exits (its code), the user
// detaches (ErrDetached) or a signal ends it (*SignaledError).
func (s Session) Run() (int, error) {
	conn := s.Conn
	detached := make(chan struct{})
	if s.In != nil {
		if s.Tty && term.IsTerminal(int(s.In.Fd())) {
			st, err := term.MakeRaw(int(s.In.Fd()))
			if err == nil {
				defer func() {
					if err := term.Restore(int(s.In.Fd()), st); err != nil {
						slog.Warn("attach: restore the terminal", "error", err)
					}
				}()
			}
			stop := ForwardSize(s.In, conn)
			defer stop()
		}
		go func() {
			if CopyStdin(conn, s.In, s.Keys, detached) && s.CloseStdin {
				if err := CloseStdin(conn); err != nil { // the end of stdin
					slog.Debug("attach: close stdin", "container", s.Name, "error", err)
				}
			}
		}()
	}
	// As Docker's: with the proxy (not for a terminal) SIGINT and SIGTERM
	// go to the container and attach stays until it exits; without, they
	// end attach and the container runs on.
	leave := make(chan os.Signal, 1)
	if s.ProxyPid != 0 {
		ch := make(chan os.Signal, 8)
		signal.Notify(ch, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
		defer signal.Stop(ch)
		go func() {
			for sig := range ch {
				if err := unix.Kill(s.ProxyPid, sig.(unix.Signal)); err != nil {
					slog.Debug("attach: proxy signal", "container", s.Name, "signal", sig, "error", err)
				}
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
		code, err := s.Wait()
		// What the container wrote last is in the socket already: read
		// it, then stop.
		// Fails only on a closed socket, whose reads have ended anyway.
		_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		waited <- exit{code, err}
	}()
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		CopyOutput(conn, s.Out, s.Err)
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

package console

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// Proxy copies in to the pty master and the master to out until the
// container side of the pty is closed, as runc's foreground `run` does. When
// in is a terminal it is put in raw mode (restored before Proxy returns), so
// that keys such as ^C reach the container instead of the runtime, and its
// window size follows SIGWINCH onto the master.
//
// Copying from in goes on in the background until in reaches EOF: a read
// from a terminal cannot be interrupted.
func Proxy(master *os.File, in io.Reader, out io.Writer) error {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		restore, err := makeRaw(f)
		if err != nil {
			return err
		}
		defer restore()
		stop := forwardResize(f, master)
		defer stop()
	}
	go func() {
		if _, err := io.Copy(master, in); err != nil && !isClosed(err) {
			slog.Debug("copy to pty master ended", "error", err)
		}
	}()
	_, err := io.Copy(out, master)
	if err != nil && !isClosed(err) {
		return fmt.Errorf("copy from pty master: %w", err)
	}
	return nil
}

// isClosed reports the errors that mean the other side went away: reading a
// master whose last slave is closed gives EIO.
func isClosed(err error) bool {
	return errors.Is(err, syscall.EIO) || errors.Is(err, os.ErrClosed)
}

func makeRaw(f *os.File) (restore func(), err error) {
	st, err := term.MakeRaw(int(f.Fd()))
	if err != nil {
		return nil, fmt.Errorf("make %s raw: %w", f.Name(), err)
	}
	return func() {
		if err := term.Restore(int(f.Fd()), st); err != nil {
			slog.Warn("cannot restore terminal", "terminal", f.Name(), "error", err)
		}
	}, nil
}

// forwardResize copies the size of the terminal from to the pty master now
// and on every SIGWINCH, until stop is called.
func forwardResize(from, master *os.File) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGWINCH)
	done := make(chan struct{})
	resize := func() {
		s, err := Size(from)
		if err == nil {
			err = SetSize(master, s)
		}
		if err != nil {
			slog.Debug("cannot forward the terminal size", "error", err)
		}
	}
	resize()
	go func() {
		for {
			select {
			case <-ch:
				resize()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

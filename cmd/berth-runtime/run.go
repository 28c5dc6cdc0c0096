package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/container"
)

func newRunCommand() *cobra.Command {
	var f createFlags
	var detach, keep, noSubreaper bool
	cmd := &cobra.Command{
		Use:   "run [flags] <container-id>",
		Short: "Create and start a container, and wait for it",
		Long: `run is create followed by start. In the foreground it passes its stdio to
the container, forwards the signals it gets to the container's process,
deletes the container when it ends and exits with its status (128+N after
signal N). With --detach it returns once the container runs.`,
		Example: `  berth-runtime run -b /srv/bundle demo
  berth-runtime run -d --pid-file /run/demo.pid demo`,
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts, err := f.options()
			if err != nil {
				return err
			}
			if detach {
				c, err := container.Create(globals.root, args[0], opts)
				if err != nil {
					return err
				}
				return startOrDelete(c)
			}
			code, err := runForeground(args[0], opts, keep)
			if err != nil {
				return err
			}
			return exitError{code: code}
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "return once the container runs, without waiting for it")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the container's state after it exits (delete it later)")
	cmd.Flags().BoolVar(&noSubreaper, "no-subreaper", false, "accepted for runc compatibility; berth-runtime always reaps its container")
	return cmd
}

func startOrDelete(c *container.Container) error {
	if err := c.Start(); err != nil {
		if derr := c.Delete(true); derr != nil {
			return errors.Join(err, derr)
		}
		return err
	}
	return nil
}

// runForeground runs a container attached to this process and returns its
// exit status.
func runForeground(id string, opts container.CreateOptions, keep bool) (int, error) {
	slog.Debug("run", "step", "command line parsed")
	// Never stopped: this process exits once the container's process has,
	// and giving 64 signals back to the Go runtime would cost as long as
	// catching them did (see NewForwarder).
	fw := container.NewForwarder()
	tty, err := newTerminal(&opts)
	if err != nil {
		return 0, err
	}
	c, err := container.Create(globals.root, id, opts)
	if tty != nil {
		tty.local.Close()
		if err != nil || !c.State().Terminal {
			tty.remote.Close()
		}
	}
	if err != nil {
		return 0, err
	}
	var proxied chan error
	if tty != nil && c.State().Terminal {
		if proxied, err = tty.proxy(); err != nil {
			if derr := c.Delete(true); derr != nil {
				return 0, errors.Join(err, derr)
			}
			return 0, err
		}
	}
	// Signals sent to us from now on must reach the container, not end us.
	fw.Ready()
	if err := startOrDelete(c); err != nil {
		return 0, err
	}
	slog.Debug("run", "step", "started")
	exit, err := fw.Wait(c.Pid())
	slog.Debug("run", "step", "container exited")
	if proxied != nil {
		select {
		case <-proxied:
		case <-time.After(time.Second):
		}
	}
	if !keep {
		if derr := c.Finish(); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	slog.Debug("run", "step", "deleted")
	return int(exit), err
}

// terminal is the socket pair a foreground run with process.terminal uses
// in place of a --console-socket.
type terminal struct {
	local  *os.File // given to the init as its console socket
	remote *net.UnixConn
}

func newTerminal(opts *container.CreateOptions) (*terminal, error) {
	if opts.ConsoleSocket != "" {
		return nil, nil
	}
	local, remote, err := console.Pair()
	if err != nil {
		return nil, err
	}
	t := &terminal{local: local, remote: remote}
	opts.Console = t.local
	// As runc's own console end: "\n" reaches stdout as "\n", not "\r\n".
	opts.ClearONLCR = true
	return t, nil
}

// proxy receives the pty master, which the init sent before create
// returned, and copies it to and from this process's stdio.
func (t *terminal) proxy() (chan error, error) {
	defer t.remote.Close()
	master, err := console.RecvMaster(t.remote, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("receive pty master: %w", err)
	}
	done := make(chan error, 1)
	go func() {
		done <- console.Proxy(master, os.Stdin, os.Stdout)
		master.Close()
	}()
	return done, nil
}

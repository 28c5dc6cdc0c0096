package container

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/record"
)

func newRunCommand(g *cli.Context) *cobra.Command {
	var f createFlags
	var detach, sigProxy bool
	var detachKeys string
	var trace traceFlags
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Run a command in a new container",
		Long: `Create a container and run it. In the foreground berth itself watches the
container, passes its stdio (-i for stdin, -t for a terminal) and exits with
its exit code. With -d a small monitor process watches it instead, keeps its
log and applies --rm and --restart; berth prints the ID and returns.

Exit codes: 125 when berth fails, 126 when the command cannot be invoked,
127 when it is not found, else the container's own.`,
		Example: `  berth run --rm busybox echo hello
  berth run -it busybox sh
  berth run -d --name web --restart on-failure:3 busybox httpd -f -p 8080`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			f.o.Detach = detach
			if err := trace.start(detach); err != nil {
				return cli.UsageError{Err: err}
			}
			if err := checkDetachKeys(detachKeys); err != nil {
				return &errdefs.StatusError{Code: cli.ExitUsage, Err: err}
			}
			e, c, err := createContainer(cmd, g, &f, a)
			if err != nil {
				return err
			}
			if detach {
				if _, err := e.Start(cmd.Context(), c.ID); err != nil {
					return withCode(err, cli.ExitUsage)
				}
				fmt.Fprintln(cmd.OutOrStdout(), c.ID)
				return nil
			}
			if f.o.Interactive && c.Config.Tty && c.Config.AttachStdin {
				return runDetachable(cmd, e, c, sigProxy, detachKeys)
			}
			// Only the streams -a names (all by default); the others
			// still go to the log, as with Docker.
			stdio := &core.Stdio{NoSigProxy: !sigProxy}
			if c.Config.AttachStdout {
				stdio.Out = os.Stdout
			}
			if c.Config.AttachStderr {
				stdio.Err = os.Stderr
			}
			if f.o.Interactive && c.Config.AttachStdin {
				stdio.In = os.Stdin
			}
			code, err := e.RunAttached(context.WithoutCancel(cmd.Context()), c, stdio)
			if err != nil {
				return withCode(err, code)
			}
			if code != 0 {
				return &errdefs.StatusError{Code: code}
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVarP(&detach, "detach", "d", false, "run container in background and print container ID")
	cmd.Flags().BoolVar(&sigProxy, "sig-proxy", true, "proxy received signals to the process")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", "", "override the key sequence for detaching a container (-it)")
	trace.register(cmd.Flags())
	return cmd
}

// withCode gives err an exit code unless it carries one.
func withCode(err error, code int) error {
	if _, ok := err.(*errdefs.StatusError); ok {
		return err
	}
	var xe *errdefs.ExecError
	if errors.As(err, &xe) {
		return err // report gives its code
	}
	if code == 0 {
		code = cli.ExitUsage
	}
	return &errdefs.StatusError{Code: code, Err: err}
}

// runDetachable is run -it: the container under a monitor of its own,
// this process attached to it as start -ai is, so that the detach keys
// (ctrl-p,ctrl-q or --detach-keys) leave it running, as Docker's do. In
// Docker only a terminal's stdin is scanned for them, so run -i without
// -t stays the plain foreground run.
func runDetachable(cmd *cobra.Command, e *engine.Engine, c *record.Container, sigProxy bool, keys string) error {
	o := engine.AttachOptions{SigProxy: sigProxy, CloseStdin: true, DetachKeys: keys}
	stdio := core.Stdio{In: os.Stdin}
	if c.Config.AttachStdout {
		stdio.Out = os.Stdout
	}
	if c.Config.AttachStderr {
		stdio.Err = os.Stderr
	}
	code, err := e.StartAttached(cmd.Context(), c.ID, o, stdio)
	var sig *engine.SignaledError
	switch {
	case errors.Is(err, engine.ErrDetached):
		return nil
	case errors.As(err, &sig):
		return err
	case err != nil:
		return withCode(err, code)
	case code != 0:
		return &errdefs.StatusError{Code: code}
	}
	return nil
}

package container

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/execproc"
)

func newExecCommand(g *cli.Context) *cobra.Command {
	var o execproc.Options
	var trace traceFlags
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		Short: "Run a command in a running container",
		Long: `Run a process in a running container: in its namespaces and cgroups, with
its capabilities and security settings. berth exits with the process's exit
code (126 when it cannot be invoked, 127 when it is not found).`,
		Example: `  berth exec web ls /
  berth exec -it web sh
  berth exec -u nobody -w /tmp -e A=1 web env`,
		Args: cli.Args(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if err := checkDetachKeys(detachKeys); err != nil {
				return err
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if err := trace.start(o.Detach); err != nil {
				return cli.UsageError{Err: err}
			}
			o.Cmd = a[1:]
			code, err := e.Exec(a[0], o, core.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
			var xe *errdefs.ExecError
			switch {
			case errors.As(err, &xe):
				// The process could not be started in the container:
				// Docker's exec exits 126 for every such failure (not
				// found, bad -w, unknown -u), unlike run's 127.
				return &errdefs.StatusError{Code: cli.ExitCannotInvoke, Err: xe}
			case err != nil:
				return err // no such container, stopped or paused: 1
			case code != 0:
				return &errdefs.StatusError{Code: code}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.SetInterspersed(false)
	f.BoolVarP(&o.Interactive, "interactive", "i", false, "keep STDIN open even if not attached")
	f.BoolVarP(&o.TTY, "tty", "t", false, "allocate a pseudo-TTY")
	f.BoolVarP(&o.Detach, "detach", "d", false, "detached mode: run command in the background")
	f.StringArrayVarP(&o.Env, "env", "e", nil, "set environment variables")
	f.StringArrayVar(&o.EnvFiles, "env-file", nil, "read in a file of environment variables")
	f.StringVarP(&o.User, "user", "u", "", "username or UID (format: <name|uid>[:<group|gid>])")
	f.StringVarP(&o.Workdir, "workdir", "w", "", "working directory inside the container")
	f.BoolVar(&o.Privileged, "privileged", false, "give extended privileges to the command")
	// Checked as Docker's CLI does; the exec's terminal does not detach
	// yet: berth exec holds its pty master, whose close would hang up
	// the process (README, differences from Docker).
	f.StringVar(&detachKeys, "detach-keys", "", "override the key sequence for detaching a container")
	trace.register(f)
	return cmd
}

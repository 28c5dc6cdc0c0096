package container

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/attach"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
)

func newAttachCommand(g *cli.Context) *cobra.Command {
	var o engine.AttachOptions
	cmd := &cobra.Command{
		Use:   "attach [OPTIONS] CONTAINER",
		Short: "Attach local standard input, output, and error streams to a running container",
		Long: `Connect to a detached container through its monitor: its output from now on,
stdin when it was started with -i, and the terminal's size with -t. berth
exits with the container's exit code; the detach keys (ctrl-p ctrl-q) leave
it running.`,
		Example: `  berth run -dit --name box busybox sh
  berth attach box`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if err := checkDetachKeys(o.DetachKeys); err != nil {
				return err
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			code, err := e.Attach(cmd.Context(), a[0], o, core.Stdio{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
			var sig *engine.SignaledError
			switch {
			case errors.Is(err, engine.ErrDetached):
				return nil
			case errors.As(err, &sig):
				return err
			}
			if err != nil && code == cli.ExitUsage {
				return err // no such container, stopped or paused: 1, as Docker's
			}
			if err != nil || code != 0 {
				return &errdefs.StatusError{Code: code, Err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.NoStdin, "no-stdin", false, "do not attach STDIN")
	f.BoolVar(&o.SigProxy, "sig-proxy", true, "proxy all received signals to the process")
	f.StringVar(&o.DetachKeys, "detach-keys", "", "override the key sequence for detaching a container")
	return cmd
}

// checkDetachKeys is Docker's CLI's check of --detach-keys, made before
// anything else; its error is printed bare, as Docker's.
func checkDetachKeys(keys string) error {
	if _, err := attach.ParseDetachKeys(keys); err != nil {
		return cli.BareError{Err: err}
	}
	return nil
}

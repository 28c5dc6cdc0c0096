package container

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
)

func newStartCommand(g *cli.Context) *cobra.Command {
	var attach, interactive bool
	var detachKeys string
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Start one or more stopped containers",
		Long: `Start created or exited containers under a monitor of their own. With -a
berth stays attached: it follows the container's output and exits with its
exit code.`,
		Example: `  berth start web
  berth start -a job`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if err := checkDetachKeys(detachKeys); err != nil {
				return err
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if attach || interactive {
				if len(a) > 1 {
					return cli.UsageError{Err: errors.New("you cannot start and attach multiple containers at once")}
				}
				o := engine.AttachOptions{SigProxy: true, NoStdin: !interactive, CloseStdin: true, DetachKeys: detachKeys}
				code, err := e.StartAttached(cmd.Context(), a[0], o, core.Stdio{In: os.Stdin, Out: cmd.OutOrStdout(), Err: cmd.ErrOrStderr()})
				var sig *engine.SignaledError
				switch {
				case errors.Is(err, engine.ErrDetached):
					return nil
				case errors.As(err, &sig):
					return err
				case err != nil || code != 0:
					return &errdefs.StatusError{Code: code, Err: err}
				}
				return nil
			}
			var failed []string
			err = cli.ForEach(cmd.OutOrStdout(), a, func(ref string) error {
				_, err := e.Start(cmd.Context(), ref)
				if err != nil {
					failed = append(failed, ref)
				}
				return err
			})
			if err != nil {
				// Docker's summary line after the errors of each.
				return fmt.Errorf("failed to start containers: %s", strings.Join(failed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&attach, "attach", "a", false, "attach STDOUT/STDERR and forward signals")
	cmd.Flags().BoolVarP(&interactive, "interactive", "i", false, "attach container's STDIN")
	cmd.Flags().StringVar(&detachKeys, "detach-keys", "", "override the key sequence for detaching a container")
	return cmd
}

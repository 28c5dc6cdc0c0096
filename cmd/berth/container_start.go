package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
)

func newStartCommand(g *globalOptions) *cobra.Command {
	var attach, interactive bool
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Start one or more stopped containers",
		Long: `Start created or exited containers under a monitor of their own. With -a
berth stays attached: it follows the container's output and exits with its
exit code.`,
		Example: `  berth start web
  berth start -a job`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.engine()
			if err != nil {
				return err
			}
			if attach || interactive {
				from := time.Now()
				if _, err := e.Start(cmd.Context(), a[0]); err != nil {
					return err
				}
				out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
				if err := e.Logs(a[0], engine.LogsOptions{Follow: true, Tail: -1, Since: from}, out, errw); err != nil {
					return err
				}
				code, err := e.Wait(cmd.Context(), a[0])
				if err != nil {
					return err
				}
				if code != 0 {
					return &engine.StatusError{Code: code}
				}
				return nil
			}
			var failed []string
			err = forEach(cmd.OutOrStdout(), a, func(ref string) error {
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
	return cmd
}

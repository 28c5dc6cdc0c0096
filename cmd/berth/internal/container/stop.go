package container

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newStopCommand(g *cli.Context) *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Stop one or more running containers",
		Long: `Send the container's stop signal (its --stop-signal, else SIGTERM), then
SIGKILL after the timeout (its --stop-timeout, else 10 seconds).`,
		Example: `  berth stop web
  berth stop -t 0 web`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.ForEach(cmd.OutOrStdout(), a, func(ref string) error {
				_, err := e.Stop(ref, timeout)
				return err
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", -1, "seconds to wait before killing the container")
	cmd.Flags().IntVar(&timeout, "timeout", -1, "seconds to wait before killing the container")
	return cmd
}

func newRestartCommand(g *cli.Context) *cobra.Command {
	var timeout int
	cmd := &cobra.Command{
		Use:     "restart [OPTIONS] CONTAINER [CONTAINER...]",
		Short:   "Restart one or more containers",
		Example: `  berth restart web`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.ForEach(cmd.OutOrStdout(), a, func(ref string) error {
				if _, err := e.Stop(ref, timeout); err != nil {
					return err
				}
				_, err := e.Start(cmd.Context(), ref)
				if err == nil {
					e.EmitRestart(ref)
				}
				return err
			})
		},
	}
	cmd.Flags().IntVarP(&timeout, "time", "t", -1, "seconds to wait before killing the container")
	return cmd
}

package container

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/runtime/signals"
)

func newKillCommand(g *cli.Context) *cobra.Command {
	var signal string
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Kill one or more running containers",
		Example: `  berth kill web
  berth kill -s HUP web`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			sig, err := signals.Parse(signal)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.ForEach(cmd.OutOrStdout(), a, func(ref string) error {
				_, err := e.Kill(ref, sig)
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&signal, "signal", "s", "KILL", "signal to send to the container")
	return cmd
}

package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newPortCommand(g *cli.Context) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "port CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List port mappings or a specific mapping for the container",
		Long: `Show the container's published ports as recorded ("80/tcp -> 0.0.0.0:8080");
with a port, only that one, and an error when it is not published.`,
		Example: `  berth port web
  berth port web 80/tcp`,
		Args: cli.Args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			private := ""
			if len(a) == 2 {
				private = a[1]
			}
			list, err := e.Network().Ports(a[0], private)
			if err != nil {
				return err
			}
			for _, m := range list {
				if private != "" {
					fmt.Fprintln(cmd.OutOrStdout(), m.String()[len(m.Private)+4:])
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), m)
			}
			return nil
		},
	}
	return cmd
}

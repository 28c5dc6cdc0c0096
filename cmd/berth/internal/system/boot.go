package system

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newSystemBootCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:   "boot",
		Short: "Start the containers whose restart policy says they run, after a reboot",
		Long: `Run once at boot (contrib/berth-boot.service does): clean what the reboot left
of containers recorded as running (runtime state, cgroups, network pins, mounts),
then start those with --restart always, and unless-stopped ones the user did not
stop. on-failure and no stay down. Running it again starts nothing more.
It prints the name of each container it starts.`,
		Example: `  berth system boot`,
		Args:    cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			res, err := e.System().Boot(cmd.Context())
			if err != nil {
				return err
			}
			for _, name := range res.Started {
				fmt.Fprintln(cmd.OutOrStdout(), name)
			}
			return errors.Join(res.Failed...)
		},
	}
}

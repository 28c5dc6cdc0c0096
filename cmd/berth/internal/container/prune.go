package container

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/internal/filters"
)

func newContainerPruneCommand(g *cli.Context) *cobra.Command {
	var force bool
	var filterArgs []string
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all stopped containers",
		Long:  `Remove every container that is not running, with its writable layer and log.`,
		Example: `  berth container prune -f
  berth container prune -f --filter until=24h --filter label=tmp`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := filters.ParsePrune(filterArgs, time.Now())
			if err != nil {
				return cli.UsageError{Err: err}
			}
			if !force && !cli.AskYes(cmd, "This will remove all stopped containers.") {
				return nil
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			rep, err := e.System().PruneContainers(cmd.Context(), f)
			w := cmd.OutOrStdout()
			cli.PrintDeleted(w, "Deleted Containers:", rep.Deleted)
			fmt.Fprintf(w, "Total reclaimed space: %s\n", progress.HumanSize(rep.Reclaimed))
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	cmd.Flags().StringArrayVar(&filterArgs, "filter", nil, "provide filter values (e.g. 'until=<timestamp>')")
	return cmd
}

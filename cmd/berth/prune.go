package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image/progress"
)

// askYes prints Docker's prune warning and reads y from stdin.
func askYes(cmd *cobra.Command, warning string) bool {
	fmt.Fprintf(cmd.OutOrStdout(), "WARNING! %s\nAre you sure you want to continue? [y/N] ", warning)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	return strings.EqualFold(strings.TrimSpace(line), "y")
}

// printDeleted prints one section of a prune's report.
func printDeleted(w io.Writer, title string, ids []string) {
	if len(ids) == 0 {
		return
	}
	fmt.Fprintln(w, title)
	for _, id := range ids {
		fmt.Fprintln(w, id)
	}
	fmt.Fprintln(w)
}

func newContainerPruneCommand(g *globalOptions) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all stopped containers",
		Long:  `Remove every container that is not running, with its writable layer and log.`,
		Example: `  berth container prune -f
  berth container prune -f --filter until=24h --filter label=tmp`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := engine.ParsePruneFilters(filters, time.Now())
			if err != nil {
				return usageError{err}
			}
			if !force && !askYes(cmd, "This will remove all stopped containers.") {
				return nil
			}
			e, err := g.engine()
			if err != nil {
				return err
			}
			rep, err := e.System().PruneContainers(cmd.Context(), f)
			w := cmd.OutOrStdout()
			printDeleted(w, "Deleted Containers:", rep.Deleted)
			fmt.Fprintf(w, "Total reclaimed space: %s\n", progress.HumanSize(rep.Reclaimed))
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "provide filter values (e.g. 'until=<timestamp>')")
	return cmd
}

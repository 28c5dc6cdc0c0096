package image

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image/progress"
)

func newPruneCommand(g *cli.Context) *cobra.Command {
	var all, force bool
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused images and collect their blobs and snapshots",
		Long: `Remove dangling images (no name), or with -a every image no container
uses, then delete the blobs and layer snapshots nothing references.`,
		Example: `  berth image prune -f
  berth image prune -a -f`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !force && !confirm(cmd, all) {
				return nil
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			// The snapshots of containers whose create was killed pin
			// layers: they go first (system prune does this in its
			// container step).
			if err := e.System().RepairStorage(cmd.Context()); err != nil {
				return err
			}
			svc, err := g.Images()
			if err != nil {
				return err
			}
			rep, err := svc.Prune(cmd.Context(), all)
			w := cmd.OutOrStdout()
			if len(rep.Deleted) > 0 {
				fmt.Fprintln(w, "Deleted Images:")
				for _, u := range rep.Untagged {
					fmt.Fprintf(w, "untagged: %s\n", u)
				}
				for _, d := range rep.Deleted {
					fmt.Fprintf(w, "deleted: %s\n", d)
				}
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "Total reclaimed space: %s\n", progress.HumanSize(rep.Reclaimed))
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all images no container uses, not only dangling ones")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not ask for confirmation")
	return cmd
}

func confirm(cmd *cobra.Command, all bool) bool {
	what := "all dangling images"
	if all {
		what = "all images without at least one container associated to them"
	}
	return cli.AskYes(cmd, "This will remove "+what+".")
}

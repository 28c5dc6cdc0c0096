// Package system is berth's commands about berth itself: info, version,
// events, and `berth system` (df, prune, boot, service, migrate).
package system

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/internal/filters"
)

// AddCommands adds `berth system` and the top-level info and events.
func AddCommands(root *cobra.Command, g *cli.Context) {
	group := &cobra.Command{Use: "system", Short: "Manage berth"}
	group.AddCommand(newSystemDfCommand(g), newSystemPruneCommand(g), newInfoCommand(g), newEventsCommand(g), newSystemBootCommand(g), newSystemServiceCommand(g), newSystemMigrateCommand(g))
	root.AddCommand(group, newInfoCommand(g), newEventsCommand(g))
}

func newSystemDfCommand(g *cli.Context) *cobra.Command {
	var format string
	var verbose bool
	cmd := &cobra.Command{
		Use:     "df",
		Short:   "Show berth disk usage",
		Long:    `Show the space images, containers' writable layers and volumes take, and how much of it is unused.`,
		Example: `  berth system df`,
		Args:    cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if verbose {
				d, err := e.System().DiskUsageVerbose(cmd.Context())
				if err != nil {
					return err
				}
				return printDiskUsageVerbose(cmd.OutOrStdout(), d)
			}
			rows, err := e.System().DiskUsage(cmd.Context())
			if err != nil {
				return err
			}
			return printDiskUsage(cmd.OutOrStdout(), format, rows)
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show detailed information on space usage")
	cmd.Flags().StringVar(&format, "format", "", "format output with a Go template ({{.Type}} {{.TotalCount}} {{.Active}} {{.Size}} {{.Reclaimable}}), 'table TEMPLATE' or 'json'")
	return cmd
}

// dfRow is a system df line as Docker's templates name its fields.
type dfRow struct{ Type, TotalCount, Active, Size, Reclaimable string }

func printDiskUsage(w io.Writer, format string, rows []engine.DiskUsageRow) error {
	if format == "" {
		format = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"
	}
	var out []any
	for _, r := range rows {
		recl := progress.HumanSize(r.Reclaimable)
		if r.Size > 0 && r.Type != "Containers" {
			recl += fmt.Sprintf(" (%d%%)", r.Reclaimable*100/r.Size)
		}
		out = append(out, dfRow{Type: r.Type, TotalCount: fmt.Sprint(r.Total), Active: fmt.Sprint(r.Active),
			Size: progress.HumanSize(r.Size), Reclaimable: recl})
	}
	return cli.RenderTemplate(w, format, dfRow{"TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"}, out)
}

func newSystemPruneCommand(g *cli.Context) *cobra.Command {
	var all, force, volumes bool
	var filterArgs []string
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused data",
		Long: `Remove stopped containers and dangling images (-a: every image no container
uses); with --volumes, anonymous volumes no container uses.`,
		Example: `  berth system prune -f
  berth system prune -a -f --volumes`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := filters.ParsePrune(filterArgs, time.Now())
			if err != nil {
				return cli.UsageError{Err: err}
			}
			warning := "This will remove:\n  - all stopped containers\n"
			if volumes {
				warning += "  - all anonymous volumes not used by at least one container\n"
			}
			if all {
				warning += "  - all images without at least one container associated to them\n"
			} else {
				warning += "  - all dangling images\n"
			}
			if !force && !cli.AskYes(cmd, warning) {
				return nil
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			ctrs, err := e.System().PruneContainers(cmd.Context(), f)
			if err != nil {
				return err
			}
			cli.PrintDeleted(w, "Deleted Containers:", ctrs.Deleted)
			total := ctrs.Reclaimed
			if volumes {
				vols, err := e.Volumes().Prune(false, f)
				if err != nil {
					return err
				}
				cli.PrintDeleted(w, "Deleted Volumes:", vols.Deleted)
				total += vols.Reclaimed
			}
			svc, err := g.Images()
			if err != nil {
				return err
			}
			imgs, err := svc.Prune(cmd.Context(), all)
			var ids []string
			for _, u := range imgs.Untagged {
				ids = append(ids, "untagged: "+u)
			}
			for _, d := range imgs.Deleted {
				ids = append(ids, "deleted: "+d.String())
			}
			cli.PrintDeleted(w, "Deleted Images:", ids)
			fmt.Fprintf(w, "Total reclaimed space: %s\n", progress.HumanSize(total+imgs.Reclaimed))
			return err
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all unused images not just dangling ones")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	cmd.Flags().BoolVar(&volumes, "volumes", false, "prune anonymous volumes")
	cmd.Flags().StringArrayVar(&filterArgs, "filter", nil, "provide filter values (e.g. 'label=<key>=<value>')")
	return cmd
}

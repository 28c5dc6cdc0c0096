// Package volume is `berth volume`: create, ls, inspect, rm and prune.
package volume

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/internal/filters"
	"github.com/berth-containers/berth/volume"
)

// AddCommands adds `berth volume` to root.
func AddCommands(root *cobra.Command, g *cli.Context) {
	group := &cobra.Command{Use: "volume", Short: "Manage volumes"}
	group.AddCommand(newVolumeCreateCommand(g), newVolumeListCommand(g), newVolumeInspectCommand(g),
		newVolumeRemoveCommand(g), newVolumePruneCommand(g))
	root.AddCommand(group)
}

func newVolumeCreateCommand(g *cli.Context) *cobra.Command {
	var labels, opts []string
	var driver string
	cmd := &cobra.Command{
		Use:     "create [OPTIONS] [VOLUME]",
		Short:   "Create a volume",
		Long:    `Create a named volume (a random name when none is given) under the engine root.`,
		Example: `  berth volume create data`,
		Args:    cli.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if driver != "local" {
				return cli.UsageError{Err: fmt.Errorf("volume driver %q is not supported: use local", driver)}
			}
			if len(opts) > 0 {
				return cli.UsageError{Err: fmt.Errorf("volume options %v are not supported by berth's local driver", opts)}
			}
			name := engine.NewVolumeName()
			if len(a) == 1 {
				name = a[0]
			}
			l := map[string]string{}
			for _, kv := range labels {
				k, v, _ := strings.Cut(kv, "=")
				l[k] = v
			}
			v, err := volume.New(g.Root).Create(name, l, map[string]string{}, false)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), v.Name)
			return nil
		},
	}
	cmd.Flags().StringVarP(&driver, "driver", "d", "local", "specify volume driver name")
	cmd.Flags().StringArrayVar(&labels, "label", nil, "set metadata for a volume")
	cmd.Flags().StringArrayVarP(&opts, "opt", "o", nil, "set driver specific options")
	return cmd
}

// volumeRow is one line of volume ls, with Docker's --format names.
type volumeRow struct{ Driver, Name, Mountpoint, Scope, Labels, CreatedAt string }

func newVolumeListCommand(g *cli.Context) *cobra.Command {
	var quiet bool
	var format string
	var filters []string
	cmd := &cobra.Command{
		Use:     "ls [OPTIONS]",
		Aliases: []string{"list"},
		Short:   "List volumes",
		Long:    `List volumes; --filter dangling=true|false, name=, label=.`,
		Example: `  berth volume ls -q --filter dangling=true`,
		Args:    cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			list, err := e.Volumes().List(filters)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			out := cmd.OutOrStdout()
			if quiet {
				for _, v := range list {
					fmt.Fprintln(out, v.Name)
				}
				return nil
			}
			rows := make([]any, len(list))
			for i, v := range list {
				var ls []string
				for k, val := range v.Labels {
					ls = append(ls, k+"="+val)
				}
				rows[i] = volumeRow{Driver: v.Driver, Name: v.Name, Mountpoint: v.Mountpoint, Scope: v.Scope,
					Labels: strings.Join(ls, ","), CreatedAt: v.CreatedAt.Format(time.RFC3339)}
			}
			if cli.IsDefaultFormat(format) {
				format = "table {{.Driver}}\t{{.Name}}"
			}
			headers := volumeRow{Driver: "DRIVER", Name: "VOLUME NAME", Mountpoint: "MOUNTPOINT", Scope: "SCOPE", Labels: "LABELS", CreatedAt: "CREATED"}
			return cli.RenderTemplate(out, format, headers, rows)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "only display volume names")
	cmd.Flags().StringVar(&format, "format", "", "format output using a Go template")
	cmd.Flags().StringArrayVarP(&filters, "filter", "f", nil, "provide filter values (e.g. 'dangling=true')")
	return cmd
}

func newVolumeInspectCommand(g *cli.Context) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "inspect [OPTIONS] VOLUME [VOLUME...]",
		Short:   "Display detailed information on one or more volumes",
		Long:    `Print volumes as Docker's JSON, or through a --format template.`,
		Example: `  berth volume inspect -f '{{.Mountpoint}}' data`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			vols := volume.New(g.Root)
			return cli.InspectEach(cmd.OutOrStdout(), format, a, func(name string) (any, error) {
				return vols.Get(name)
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output using a Go template")
	return cmd
}

func newVolumeRemoveCommand(g *cli.Context) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] VOLUME [VOLUME...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more volumes",
		Long:    `Remove volumes and their data. A volume a container uses is kept.`,
		Example: `  berth volume rm data`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.ForEach(cmd.OutOrStdout(), a, func(n string) error { return e.Volumes().Remove(n, force) })
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not error when a volume does not exist")
	return cmd
}

func newVolumePruneCommand(g *cli.Context) *cobra.Command {
	var force, all bool
	var filterArgs []string
	cmd := &cobra.Command{
		Use:     "prune [OPTIONS]",
		Short:   "Remove unused local volumes",
		Long:    `Remove anonymous volumes no container uses; with -a named ones too.`,
		Example: `  berth volume prune -f`,
		Args:    cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := filters.ParsePrune(filterArgs, time.Now())
			if err != nil {
				return cli.UsageError{Err: err}
			}
			what := "This will remove anonymous local volumes not used by at least one container."
			if all {
				what = "This will remove all local volumes not used by at least one container."
			}
			if !force && !cli.AskYes(cmd, what) {
				return nil
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			rep, err := e.Volumes().Prune(all, f)
			w := cmd.OutOrStdout()
			cli.PrintDeleted(w, "Deleted Volumes:", rep.Deleted)
			fmt.Fprintf(w, "Total reclaimed space: %s\n", progress.HumanSize(rep.Reclaimed))
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	cmd.Flags().BoolVarP(&all, "all", "a", false, "remove all unused volumes, not just anonymous ones")
	cmd.Flags().StringArrayVar(&filterArgs, "filter", nil, "provide filter values (e.g. 'label=<label>')")
	return cmd
}

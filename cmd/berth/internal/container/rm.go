package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine/lifecycle"
	"github.com/berth-containers/berth/engine/store"
)

func newRmCommand(g *cli.Context) *cobra.Command {
	var o lifecycle.RemoveOptions
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] CONTAINER [CONTAINER...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more containers",
		Long: `Remove containers: their process (with -f), monitor, cgroup, mounts,
writable layer, log and record; with -v their anonymous volumes too.`,
		Example: `  berth rm job
  berth rm -f web`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			e.Network().RepairSoon(cmd.Context())
			return cli.ForEach(cmd.OutOrStdout(), a, func(ref string) error {
				err := e.Remove(cmd.Context(), ref, o)
				if o.Force && errors.Is(err, store.ErrNotFound) {
					// Docker's rm -f says so but succeeds: clean-up
					// scripts rely on it.
					return cli.NotCounted{Err: err}
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&o.Force, "force", "f", false, "force the removal of a running container (uses SIGKILL)")
	cmd.Flags().BoolVarP(&o.Volumes, "volumes", "v", false, "remove anonymous volumes associated with the container")
	return cmd
}

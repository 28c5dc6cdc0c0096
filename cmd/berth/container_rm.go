package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
)

func newRmCommand(g *globalOptions) *cobra.Command {
	var o engine.RemoveOptions
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] CONTAINER [CONTAINER...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more containers",
		Long: `Remove containers: their process (with -f), monitor, cgroup, mounts,
writable layer, log and record; with -v their anonymous volumes too.`,
		Example: `  berth rm job
  berth rm -f web`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.engine()
			if err != nil {
				return err
			}
			e.Network().RepairSoon(cmd.Context())
			return forEach(cmd.OutOrStdout(), a, func(ref string) error {
				err := e.Remove(cmd.Context(), ref, o)
				if o.Force && errors.Is(err, engine.ErrNotFound) {
					// Docker's rm -f says so but succeeds: clean-up
					// scripts rely on it.
					return notCounted{err}
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&o.Force, "force", "f", false, "force the removal of a running container (uses SIGKILL)")
	cmd.Flags().BoolVarP(&o.Volumes, "volumes", "v", false, "remove anonymous volumes associated with the container")
	return cmd
}

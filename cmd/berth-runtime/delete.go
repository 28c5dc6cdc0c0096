package main

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
)

func newDeleteCommand() *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "delete [flags] <container-id>",
		Aliases: []string{"rm"},
		Short:   "Remove a stopped container, and its cgroup and state",
		Long: `delete removes a container that has stopped (or was created and never
started). --force kills a running one first.`,
		Example: `  berth-runtime delete web
  berth-runtime delete --force web`,
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			err := container.Delete(globals.root, args[0], force)
			if force && errors.Is(err, container.ErrNotExist) {
				return nil // runc: delete --force of a missing container succeeds
			}
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "kill the container first if it is running")
	return cmd
}

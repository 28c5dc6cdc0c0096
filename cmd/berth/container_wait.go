package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newWaitCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "wait CONTAINER [CONTAINER...]",
		Short:   "Block until one or more containers stop, then print their exit codes",
		Example: `  berth wait job`,
		Args:    args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.engine()
			if err != nil {
				return err
			}
			failed := false
			for _, ref := range a {
				code, err := e.Wait(cmd.Context(), ref)
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "Error: %s\n", message(err))
					failed = true
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), code)
			}
			if failed {
				return errSilent
			}
			return nil
		},
	}
}

func newRenameCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "rename CONTAINER NEW_NAME",
		Short:   "Rename a container",
		Example: `  berth rename web web-old`,
		Args:    args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.engine()
			if err != nil {
				return err
			}
			if err := e.Rename(a[0], a[1]); err != nil {
				// Docker's CLI prints the cause, then its own line.
				fmt.Fprintf(cmd.ErrOrStderr(), "Error: %s\n", message(err))
				return fmt.Errorf("failed to rename container named %s", a[0])
			}
			return nil
		},
	}
}

func newPauseCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "pause CONTAINER [CONTAINER...]",
		Short:   "Pause all processes within one or more containers",
		Example: `  berth pause web`,
		Args:    args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.engine()
			if err != nil {
				return err
			}
			return forEach(cmd.OutOrStdout(), a, e.Pause)
		},
	}
}

func newUnpauseCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:     "unpause CONTAINER [CONTAINER...]",
		Short:   "Unpause all processes within one or more containers",
		Example: `  berth unpause web`,
		Args:    args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.engine()
			if err != nil {
				return err
			}
			return forEach(cmd.OutOrStdout(), a, e.Unpause)
		},
	}
}

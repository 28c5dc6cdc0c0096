package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newWaitCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:     "wait CONTAINER [CONTAINER...]",
		Short:   "Block until one or more containers stop, then print their exit codes",
		Example: `  berth wait job`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			failed := false
			for _, ref := range a {
				code, err := e.Wait(cmd.Context(), ref)
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "Error: %s\n", cli.Message(err))
					failed = true
					continue
				}
				fmt.Fprintln(cmd.OutOrStdout(), code)
			}
			if failed {
				return cli.ErrSilent
			}
			return nil
		},
	}
}

func newRenameCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:     "rename CONTAINER NEW_NAME",
		Short:   "Rename a container",
		Example: `  berth rename web web-old`,
		Args:    cli.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if err := e.Rename(a[0], a[1]); err != nil {
				// Docker's CLI prints the cause, then its own line.
				fmt.Fprintf(cmd.ErrOrStderr(), "Error: %s\n", cli.Message(err))
				return fmt.Errorf("failed to rename container named %s", a[0])
			}
			return nil
		},
	}
}

func newPauseCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:     "pause CONTAINER [CONTAINER...]",
		Short:   "Pause all processes within one or more containers",
		Example: `  berth pause web`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.ForEach(cmd.OutOrStdout(), a, e.Pause)
		},
	}
}

func newUnpauseCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:     "unpause CONTAINER [CONTAINER...]",
		Short:   "Unpause all processes within one or more containers",
		Example: `  berth unpause web`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.ForEach(cmd.OutOrStdout(), a, e.Unpause)
		},
	}
}

package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newDiffCommand(g *cli.Context) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff CONTAINER",
		Short: "Inspect changes to files or directories on a container's filesystem",
		Long: `List what the container changed in its root filesystem since it was made
from its image, one path a line: A added, C changed (a directory whose
entries changed, or a file), D deleted. Running or stopped.`,
		Example: `  berth diff web`,
		Args:    cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			changes, err := e.Files().Diff(cmd.Context(), a[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, c := range changes {
				fmt.Fprintf(w, "%s %s\n", c.Kind, c.Path)
			}
			return nil
		},
	}
	return cmd
}

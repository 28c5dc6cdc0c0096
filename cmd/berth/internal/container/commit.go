package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
)

func newCommitCommand(g *cli.Context) *cobra.Command {
	var o engine.CommitOptions
	cmd := &cobra.Command{
		Use:   "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
		Short: "Create a new image from a container's changes",
		Long: `Make an image of the container's image layers plus one layer of its
changes (files added, changed and deleted), with the container's config,
--change Dockerfile instructions applied (CMD, ENTRYPOINT, ENV, WORKDIR, USER,
EXPOSE, LABEL) and a history entry. A running container is paused during the
copy unless --pause=false.`,
		Example: `  berth commit web web:snapshot
  berth commit -m "add config" -a "Jane <jane@example.com>" -c 'CMD ["httpd", "-f"]' web`,
		Args: cli.Args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			name := ""
			if len(a) == 2 {
				name = a[1]
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			id, err := e.Commit(cmd.Context(), a[0], name, o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), id)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Author, "author", "a", "", `author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`)
	f.StringArrayVarP(&o.Changes, "change", "c", nil, "apply Dockerfile instruction to the created image")
	f.StringVarP(&o.Message, "message", "m", "", "commit message")
	f.BoolVarP(&o.Pause, "pause", "p", true, "pause container during commit")
	return cmd
}

// Package image is berth's image commands (pull, push, images, rmi, tag,
// history, load, save, import, prune, inspect) and login/logout.
package image

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/build"
	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

// imageCommands are the `berth image` verbs; top is the name of the same
// command at the top level ("" for none), as Docker has `images`, `rmi`...
var imageCommands = []struct {
	top string
	new func(g *cli.Context) *cobra.Command
}{
	{"pull", newPullCommand},
	{"push", newPushCommand},
	{"images", newListCommand},
	{"rmi", newRemoveCommand},
	{"tag", newTagCommand},
	{"", newInspectCommand},
	{"history", newHistoryCommand},
	{"", newPruneCommand},
	{"load", newLoadCommand},
	{"save", newSaveCommand},
	{"import", newImportCommand},
	{"build", build.NewBuildCommand},
}

// AddCommands adds `berth image` and its verbs' top-level names.
func AddCommands(root *cobra.Command, g *cli.Context) {
	group := &cobra.Command{
		Use:   "image COMMAND",
		Short: "Manage images",
		Example: `  berth image ls
  berth image pull busybox
  berth image prune -a -f`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	for _, c := range imageCommands {
		group.AddCommand(c.new(g))
		if c.top != "" {
			top := c.new(g)
			top.Use = c.top + top.Use[len(top.Name()):]
			top.Aliases = nil
			root.AddCommand(top)
		}
	}
	root.AddCommand(group, build.NewBuilderCommand(g))
}

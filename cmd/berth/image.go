package main

import "github.com/spf13/cobra"

// imageCommands are the `berth image` verbs; top is the name of the same
// command at the top level ("" for none), as Docker has `images`, `rmi`...
var imageCommands = []struct {
	top string
	new func(g *globalOptions) *cobra.Command
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
	{"build", newBuildCommand},
}

func addImageCommands(root *cobra.Command, g *globalOptions) {
	group := &cobra.Command{
		Use:   "image COMMAND",
		Short: "Manage images",
		Example: `  berth image ls
  berth image pull busybox
  berth image prune -a -f`,
		Args: args(cobra.NoArgs),
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
	root.AddCommand(group, newBuilderCommand(g))
}

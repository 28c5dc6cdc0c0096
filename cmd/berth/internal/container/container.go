// Package container is berth's container commands: run, create, start, ps,
// exec, logs, inspect... at the top level and under `berth container`.
package container

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

// AddCommands adds the container commands to root, at the top level and
// under `container`, as Docker has them.
func AddCommands(root *cobra.Command, g *cli.Context) {
	cmds := func() []*cobra.Command {
		return []*cobra.Command{
			newRunCommand(g), newCreateCommand(g), newStartCommand(g), newStopCommand(g),
			newRestartCommand(g), newKillCommand(g), newRmCommand(g), newPsCommand(g),
			newLogsCommand(g), newInspectContainerCommand(g), newWaitCommand(g),
			newRenameCommand(g), newPauseCommand(g), newUnpauseCommand(g), newExecCommand(g),
			newAttachCommand(g), newTopCommand(g), newStatsCommand(g), newCpCommand(g),
			newExportCommand(g), newPortCommand(g), newCommitCommand(g),
			newUpdateCommand(g), newDiffCommand(g),
		}
	}
	root.AddCommand(cmds()...)
	group := &cobra.Command{Use: "container", Short: "Manage containers"}
	group.AddCommand(cmds()...)
	ls := newPsCommandNamed(g, "ls")
	ls.Aliases = []string{"list"} // and ps, among cmds: Docker's container ls, list, ps
	group.AddCommand(ls, newContainerPruneCommand(g))
	root.AddCommand(group)
}

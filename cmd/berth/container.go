package main

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
)

// engine opens the container engine over the command's image service.
func (g *globalOptions) engine() (*engine.Engine, error) {
	svc, err := g.images()
	if err != nil {
		return nil, err
	}
	return engine.New(engine.Options{Root: g.root, Runroot: g.runroot, Images: svc}), nil
}

func addContainerCommands(root *cobra.Command, g *globalOptions) {
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

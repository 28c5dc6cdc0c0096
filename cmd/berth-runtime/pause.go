package main

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
)

func newPauseCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "pause <container-id>",
		Short: "Freeze every process of a running container",
		Long: `pause freezes the container's processes through its cgroup (the v1 freezer
or cgroup v2's cgroup.freeze); state shows "paused" until resume.`,
		Example: `  berth-runtime pause web`,
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			return c.Pause()
		},
	}
}

func newResumeCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "resume <container-id>",
		Short:   "Thaw a paused container",
		Example: `  berth-runtime resume web`,
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			return c.Resume()
		},
	}
}

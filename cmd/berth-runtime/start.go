package main

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
)

func newStartCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "start <container-id>",
		Short:   "Run the program of a created container",
		Example: `  berth-runtime start web`,
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			return c.Start()
		},
	}
}

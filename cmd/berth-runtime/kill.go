package main

import (
	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/runtime/signals"
)

func newKillCommand() *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "kill [flags] <container-id> [signal]",
		Short: "Send a signal to a container's process (default SIGTERM)",
		Long: `kill sends a signal to the container's init process, or with --all to every
process in its cgroup. The signal is a name (KILL, SIGKILL) or a number (9); 0 sends none and
fails with "container not running" once the container has stopped.`,
		Example: `  berth-runtime kill web
  berth-runtime kill web KILL
  berth-runtime kill --all web 9`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(_ *cobra.Command, args []string) error {
			sig := unix.SIGTERM
			if len(args) == 2 {
				var err error
				// 0 only asks whether the container runs, as kill(2)
				// and runc take it; the engine's flags refuse it.
				if args[1] == "0" {
					sig = 0
				} else if sig, err = signals.Parse(args[1]); err != nil {
					return err
				}
			}
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			return c.Signal(sig, all)
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "send the signal to every process in the container")
	return cmd
}

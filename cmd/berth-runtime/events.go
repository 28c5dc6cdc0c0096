package main

import (
	"encoding/json"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
)

func newEventsCommand() *cobra.Command {
	var stats bool
	var interval time.Duration
	cmd := &cobra.Command{
		Use:   "events [flags] <container-id>",
		Short: "Print a container's resource usage and OOM events as JSON lines",
		Long: `events prints a "stats" event every --interval and an "oom" event whenever
the OOM killer strikes in the container, until the container stops.
With --stats it prints one stats event and exits.`,
		Example: `  berth-runtime events --stats web
  berth-runtime events --interval 1s web`,
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			enc := json.NewEncoder(os.Stdout)
			if stats {
				s, err := c.Stats()
				if err != nil {
					return err
				}
				return enc.Encode(container.Event{Type: "stats", ID: c.ID(), Data: s})
			}
			return c.Events(interval, func(e container.Event) error { return enc.Encode(e) })
		},
	}
	cmd.Flags().BoolVar(&stats, "stats", false, "print the container's stats once and exit")
	cmd.Flags().DurationVar(&interval, "interval", 5*time.Second, "how often to print stats")
	return cmd
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/runtime/ps"
)

func newPsCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ps [flags] <container-id> [ps options]",
		Short: "List the processes of a container",
		Long: `ps lists the processes in the container's cgroup: as the host's ps prints
them (ps -ef unless ps options follow the ID), or with -f json as a JSON
array of host pids.`,
		Example: `  berth-runtime ps web
  berth-runtime ps -f json web
  berth-runtime ps web -o pid,comm`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			c, err := container.Load(globals.root, args[0])
			if err != nil {
				return err
			}
			pids, err := c.Pids()
			if err != nil {
				return err
			}
			switch format {
			case "json":
				if pids == nil {
					pids = []int{}
				}
				return json.NewEncoder(os.Stdout).Encode(pids)
			case "table":
			default:
				return fmt.Errorf("--format %q: use table or json", format)
			}
			psArgs := args[1:]
			if len(psArgs) == 0 {
				psArgs = []string{"-ef"}
			}
			out, err := exec.Command("ps", psArgs...).Output()
			if err != nil {
				return fmt.Errorf("run ps %v: %w", psArgs, err)
			}
			filtered, err := ps.Filter(out, pids)
			if err != nil {
				return err
			}
			_, err = os.Stdout.Write(filtered)
			return err
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "table", "output format: table or json")
	// Everything after the container ID goes to ps.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

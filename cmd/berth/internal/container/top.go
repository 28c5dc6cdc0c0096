package container

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newTopCommand(g *cli.Context) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "top CONTAINER [ps OPTIONS]",
		Short: "Display the running processes of a container",
		Long: `Run the host's ps (with -ef unless given options) and show the processes
of the container's cgroup, with their host pids.`,
		Example: `  berth top web
  berth top web -o pid,comm`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			r, err := e.Top(a[0], a[1:])
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 20, 1, 3, ' ', 0)
			fmt.Fprintln(w, strings.Join(r.Titles, "\t"))
			for _, p := range r.Processes {
				fmt.Fprintln(w, strings.Join(p, "\t"))
			}
			return w.Flush()
		},
	}
	cmd.Flags().SetInterspersed(false)
	return cmd
}

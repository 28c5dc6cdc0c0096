package container

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newExportCommand(g *cli.Context) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export [OPTIONS] CONTAINER",
		Short: "Export a container's filesystem as a tar archive",
		Long: `Write the container's merged root filesystem (image layers and its own
changes, without volumes) as a tar archive, to stdout or -o FILE.`,
		Example: `  berth export web > web.tar
  berth export -o web.tar web && berth import web.tar web:flat`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if output == "" && term.IsTerminal(int(os.Stdout.Fd())) {
				return cli.UsageError{Err: fmt.Errorf("refusing to write an archive to a terminal: use -o FILE or redirect stdout")}
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if output == "" {
				return e.Files().Export(cmd.Context(), a[0], os.Stdout)
			}
			return cli.SaveToFile(output, func(f *os.File) error { return e.Files().Export(cmd.Context(), a[0], f) })
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to a file, instead of STDOUT")
	return cmd
}

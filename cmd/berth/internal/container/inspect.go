package container

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newInspectContainerCommand(g *cli.Context) *cobra.Command {
	var format, typ string
	var size bool
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on containers (or images)",
		Long: `Show containers as Docker's JSON (State, Config, HostConfig, Mounts,
NetworkSettings). A name that is no container is looked up as an image.`,
		Example: `  berth inspect web
  berth inspect -f '{{.State.Status}} {{.State.ExitCode}}' web`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if cmd.Parent().Name() == "container" {
				typ = "container"
			}
			return cli.InspectEach(cmd.OutOrStdout(), format, a, func(ref string) (any, error) {
				return inspectObject(cmd.Context(), g, e, ref, typ, size)
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template")
	cmd.Flags().StringVar(&typ, "type", "", "only look for this type: container, image, network or volume")
	cmd.Flags().BoolVarP(&size, "size", "s", false, "display total file sizes if the type is container")
	return cmd
}

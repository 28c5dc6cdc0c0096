package image

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newInspectCommand(g *cli.Context) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short: "Show details of images as JSON",
		Example: `  berth image inspect busybox
  berth image inspect --format '{{.Id}} {{.Config.Cmd}}' busybox
  berth image inspect --format '{{json .RootFS}}' app:v1`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			svc, err := g.Images()
			if err != nil {
				return err
			}
			return cli.InspectEach(cmd.OutOrStdout(), format, a, func(ref string) (any, error) {
				img, err := svc.Get(cmd.Context(), ref)
				if err != nil {
					return nil, err
				}
				return svc.Inspect(cmd.Context(), img), nil
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output with a Go template")
	return cmd
}

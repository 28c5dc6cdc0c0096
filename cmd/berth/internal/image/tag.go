package image

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newTagCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:   "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		Short: "Give an image another name",
		Example: `  berth tag busybox 127.0.0.1:5000/tools/busybox:1
  berth tag 3f57d9401f8d app:latest`,
		Args: cli.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			svc, err := g.Images()
			if err != nil {
				return err
			}
			return cli.WithTag(svc.Tag(cmd.Context(), a[0], a[1]))
		},
	}
}

package image

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/registry"
)

func newPullCommand(g *cli.Context) *cobra.Command {
	var quiet bool
	var platform string
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry and unpack it",
		Long: `Download an image from a registry into the local store and unpack its
layers so it is ready to run. Layers download in parallel; each is unpacked
as soon as it is complete. Layers already present are not downloaded again.

Registries on localhost or 127.0.0.1 are reached over plain HTTP, others over
HTTPS unless named with --insecure-registry. busybox (any tag) is built in:
it is made from the host's static busybox without network.`,
		Example: `  berth pull busybox
  berth pull 127.0.0.1:5000/app:v1
  berth pull --platform linux/arm64 127.0.0.1:5000/app:v1
  berth pull 127.0.0.1:5000/app@sha256:4b8e...`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			p, err := registry.ParsePlatform(platform)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			svc, err := g.Images()
			if err != nil {
				return err
			}
			prog := cli.NewProgress(quiet)
			_, err = svc.Pull(cmd.Context(), a[0], image.PullOptions{Platform: p, Progress: prog})
			prog.Close()
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), mustNormalize(a[0]))
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "print only the image's name")
	cmd.Flags().StringVar(&platform, "platform", "", "platform os/arch[/variant] to choose from a multi-platform image")
	return cmd
}

func mustNormalize(s string) string {
	n, err := image.Normalize(s)
	if err != nil {
		return s
	}
	return n
}

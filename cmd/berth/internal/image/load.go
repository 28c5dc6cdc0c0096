package image

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image/registry"
)

func newLoadCommand(g *cli.Context) *cobra.Command {
	var input, platform string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "load [OPTIONS]",
		Short: "Load images from an archive (docker save or OCI format)",
		Long: `Load images from a tar archive, from a file (-i) or stdin. Both docker
save's format (manifest.json) and OCI archives (index.json) are read, as
written by docker, podman, skopeo or berth save. Images are unpacked and
ready to run.`,
		Example: `  berth load -i busybox.tar
  skopeo copy docker-archive:app.tar oci-archive:app-oci.tar && berth load < app-oci.tar`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := registry.ParsePlatform(platform)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			var r io.Reader = os.Stdin
			if input != "" && input != "-" {
				f, err := os.Open(input)
				if err != nil {
					return fmt.Errorf("open archive: %w", err)
				}
				defer f.Close()
				r = f
			}
			svc, err := g.Images()
			if err != nil {
				return err
			}
			loaded, err := svc.Load(cmd.Context(), r, p)
			for _, l := range loaded {
				if !quiet || err == nil {
					fmt.Fprintln(cmd.OutOrStdout(), l)
				}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&input, "input", "i", "", "read from a tar archive file instead of stdin")
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "suppress progress output")
	cmd.Flags().StringVar(&platform, "platform", "", "platform os/arch[/variant] to load from a multi-platform archive")
	return cmd
}

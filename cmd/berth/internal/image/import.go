package image

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/image/build"
)

func newImportCommand(g *cli.Context) *cobra.Command {
	var changes []string
	var message string
	cmd := &cobra.Command{
		Use:   "import [OPTIONS] FILE|- [REPOSITORY[:TAG]]",
		Short: "Make a one-layer image from a rootfs tarball",
		Long: `Create an image whose only layer is a root filesystem tarball (plain,
gzip or zstd), read from a file or stdin (-). --change applies Dockerfile
instructions to its config: CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL.`,
		Example: `  berth import rootfs.tar myroot:1
  tar -C rootfs -c . | berth import --change 'CMD ["/bin/sh"]' --change 'ENV A=1' - myroot:2
  berth import -m "nightly" rootfs.tar.gz`,
		Args: cli.Args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			var r io.Reader = os.Stdin
			if a[0] != "-" {
				f, err := os.Open(a[0])
				if err != nil {
					return fmt.Errorf("open rootfs tarball: %w", err)
				}
				defer f.Close()
				r = f
			}
			ref := ""
			if len(a) == 2 {
				ref = a[1]
			}
			svc, err := g.Images()
			if err != nil {
				return err
			}
			img, err := svc.Import(cmd.Context(), r, ref, build.ImportOptions{Source: a[0], Changes: changes, Message: message})
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), img.ID)
			return nil
		},
	}
	cmd.Flags().StringArrayVarP(&changes, "change", "c", nil, "apply a Dockerfile instruction to the image (repeatable)")
	cmd.Flags().StringVarP(&message, "message", "m", "", "commit message for the imported image")
	return cmd
}

package image

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newSaveCommand(g *cli.Context) *cobra.Command {
	var output, format string
	cmd := &cobra.Command{
		Use:   "save [OPTIONS] IMAGE [IMAGE...]",
		Short: "Save images to a tar archive (docker save or OCI format)",
		Long: `Write one or more images to a tar archive, on stdout or to a file (-o).
--format docker (the default) writes docker save's format with uncompressed
layers; --format oci writes an OCI image layout with the blobs as stored.`,
		Example: `  berth save -o busybox.tar busybox
  berth save --format oci app:v1 app:v2 > apps.tar
  berth save busybox | gzip > busybox.tar.gz`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if format != "docker" && format != "oci" {
				return cli.UsageError{Err: fmt.Errorf("invalid --format %q: use docker or oci", format)}
			}
			if output == "" && term.IsTerminal(int(os.Stdout.Fd())) {
				return cli.UsageError{Err: fmt.Errorf("refusing to write an archive to a terminal: use -o FILE or redirect stdout")}
			}
			svc, err := g.Images()
			if err != nil {
				return err
			}
			if output == "" {
				return svc.Save(cmd.Context(), os.Stdout, a, format)
			}
			return cli.SaveToFile(output, func(f *os.File) error { return svc.Save(cmd.Context(), f, a, format) })
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to a file instead of stdout")
	cmd.Flags().StringVar(&format, "format", "docker", "archive format: docker or oci")
	return cmd
}

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func newSaveCommand(g *globalOptions) *cobra.Command {
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
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if format != "docker" && format != "oci" {
				return usageError{fmt.Errorf("invalid --format %q: use docker or oci", format)}
			}
			if output == "" && term.IsTerminal(int(os.Stdout.Fd())) {
				return usageError{fmt.Errorf("refusing to write an archive to a terminal: use -o FILE or redirect stdout")}
			}
			svc, err := g.images()
			if err != nil {
				return err
			}
			if output == "" {
				return svc.Save(cmd.Context(), os.Stdout, a, format)
			}
			return saveToFile(output, func(f *os.File) error { return svc.Save(cmd.Context(), f, a, format) })
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to a file instead of stdout")
	cmd.Flags().StringVar(&format, "format", "docker", "archive format: docker or oci")
	return cmd
}

// saveToFile writes through a temp file renamed into place, so a failed
// save leaves no truncated archive under the name asked for.
func saveToFile(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	// The temp file's 0600 stays, as Docker's CopyToFile leaves it: an
	// image or a container's files may hold secrets, whatever the umask.
	if err := f.Close(); err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("save to %s: %w", path, err)
	}
	return nil
}

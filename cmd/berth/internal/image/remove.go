package image

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newRemoveCommand(g *cli.Context) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] IMAGE [IMAGE...]",
		Aliases: []string{"rmi", "remove"},
		Short:   "Remove one or more images",
		Long: `Remove images by name or ID. Removing one name of an image with several
only untags it; the last name removes the image, its unreferenced blobs and
layer snapshots. An image a container uses is refused unless -f.`,
		Example: `  berth rmi busybox
  berth rmi 3f57d9401f8d
  berth rmi -f app:v1 app:v2`,
		Args: cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			svc, err := g.Images()
			if err != nil {
				return err
			}
			var errs []error
			for _, ref := range a {
				res, err := svc.Remove(cmd.Context(), ref, force)
				for _, u := range res.Untagged {
					fmt.Fprintf(cmd.OutOrStdout(), "Untagged: %s\n", u)
				}
				for _, d := range res.Deleted {
					fmt.Fprintf(cmd.OutOrStdout(), "Deleted: %s\n", d)
				}
				if err != nil {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "remove even if a container uses the image or it has several names")
	return cmd
}

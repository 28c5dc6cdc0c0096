package image

import (
	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newPushCommand(g *cli.Context) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Long: `Upload an image to the registry its name points at. Tag it first with
the registry's address. Layers the registry has already are not sent.
Credentials come from berth login.`,
		Example: `  berth tag busybox 127.0.0.1:5000/tools/busybox:1
  berth push 127.0.0.1:5000/tools/busybox:1`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			svc, err := g.Images()
			if err != nil {
				return err
			}
			prog := cli.NewProgress(quiet)
			_, err = svc.Push(cmd.Context(), a[0], prog)
			prog.Close()
			return err
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "suppress progress output")
	return cmd
}

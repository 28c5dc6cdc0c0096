package container

import (
	"errors"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
)

func newCpCommand(g *cli.Context) *cobra.Command {
	var o engine.CopyOptions
	cmd := &cobra.Command{
		Use:   "cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n  berth cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH",
		Short: "Copy files/folders between a container and the local filesystem",
		Long: `Copy files in or out of a container, running or not. Paths in the container
are resolved inside its root: a symlink there never leads out of it. "-" is
a tar archive on stdout or stdin. SRC/. copies a directory's contents.`,
		Example: `  berth cp web:/etc/hostname .
  berth cp ./site web:/var/www
  berth cp web:/var/log - | tar t`,
		Args: cli.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			srcCtr, src := splitCpArg(a[0])
			dstCtr, dst := splitCpArg(a[1])
			if (srcCtr == "") == (dstCtr == "") {
				return cli.UsageError{Err: errors.New("copying between containers or between local paths is not supported: give exactly one CONTAINER:PATH")}
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if srcCtr != "" {
				return e.Files().CopyFrom(cmd.Context(), srcCtr, src, dst, o, os.Stdout)
			}
			return e.Files().CopyTo(cmd.Context(), dstCtr, src, dst, o, os.Stdin)
		},
	}
	cmd.Flags().BoolVarP(&o.Archive, "archive", "a", false, "archive mode (copy all uid/gid information)")
	cmd.Flags().BoolVarP(&o.FollowLink, "follow-link", "L", false, "always follow symbol link in SRC_PATH")
	return cmd
}

// splitCpArg reads CONTAINER:PATH; a local path with a colon starts with
// / or . as Docker requires.
func splitCpArg(arg string) (container, p string) {
	if strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") {
		return "", arg
	}
	c, p, ok := strings.Cut(arg, ":")
	if !ok {
		return "", arg
	}
	return c, p
}

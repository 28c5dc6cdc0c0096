package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/container"
)

func newRestoreCommand() *cobra.Command {
	var opts container.RestoreOptions
	opts.CRIU.StatusFD = -1
	var detach, noSubreaper, noPivot bool
	cmd := &cobra.Command{
		Use:   "restore [flags] <container-id>",
		Short: "Restore a container from a CRIU checkpoint",
		Long: `restore brings a checkpointed container back under the given ID, from the
image directory and the bundle's config.json and rootfs. In the foreground
it waits for the container, forwards signals to it, deletes it when it
ends and exits with its status; with --detach it returns once it runs.`,
		Example: `  berth-runtime restore -d --image-path /srv/cp -b /srv/bundle web`,
		Args:    exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if opts.Bundle == "" {
				wd, err := os.Getwd()
				if err != nil {
					return err
				}
				opts.Bundle = wd
			}
			if detach {
				_, err := container.Restore(globals.root, args[0], opts)
				return err
			}
			code, err := restoreForeground(args[0], opts)
			if err != nil {
				return err
			}
			return exitError{code: code}
		},
	}
	fs := cmd.Flags()
	criuFlags(fs, &opts.CRIU)
	fs.StringVarP(&opts.Bundle, "bundle", "b", "", "bundle directory holding config.json (default: current directory)")
	fs.StringVar(&opts.ConsoleSocket, "console-socket", "", "unix socket to send the restored pty's master to")
	fs.StringVar(&opts.PidFile, "pid-file", "", "file to write the restored process's pid to")
	fs.BoolVarP(&detach, "detach", "d", false, "return once the container runs, without waiting for it")
	fs.BoolVar(&noSubreaper, "no-subreaper", false, "accepted for runc compatibility; the restored process is this command's child")
	fs.BoolVar(&noPivot, "no-pivot", false, "accepted for runc compatibility; CRIU restores the container's own root")
	fs.StringVar(&opts.CRIU.LsmProfile, "lsm-profile", "", "LSM profile for the restored process, TYPE:NAME")
	fs.StringVar(&opts.CRIU.LsmMountContext, "lsm-mount-context", "", "LSM mount context for the restore")
	return cmd
}

// restoreForeground restores a container attached to this process and
// returns its exit status, as run does.
func restoreForeground(id string, opts container.RestoreOptions) (int, error) {
	c, err := container.Restore(globals.root, id, opts)
	if err != nil {
		return 0, err
	}
	fw := container.NewForwarder()
	fw.Ready()
	exit, err := fw.Wait(c.Pid())
	if derr := c.Finish(); derr != nil {
		err = errors.Join(err, derr)
	}
	return int(exit), err
}

package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/runtime/container"
)

// createFlags are shared by create and run.
type createFlags struct {
	bundle        string
	consoleSocket string
	pidFile       string
	pidfdSocket   string
	noPivot       bool
	noNewKeyring  bool
	preserveFDs   int
}

func (f *createFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.bundle, "bundle", "b", "", "bundle directory holding config.json (default: current directory)")
	fs.StringVar(&f.consoleSocket, "console-socket", "", "unix socket to send the pty master to, when process.terminal is true")
	fs.StringVar(&f.pidFile, "pid-file", "", "file to write the container process's pid to")
	fs.StringVar(&f.pidfdSocket, "pidfd-socket", "", "unix socket to send a pidfd of the container's process to")
	fs.BoolVar(&f.noPivot, "no-pivot", false, "use MS_MOVE and chroot instead of pivot_root (for a rootfs on a ramdisk)")
	fs.BoolVar(&f.noNewKeyring, "no-new-keyring", false, "keep the caller's session keyring instead of a new one")
	fs.IntVar(&f.preserveFDs, "preserve-fds", 0, "pass this many fds, from 3 up, to the container's process")
}

func (f *createFlags) options() (container.CreateOptions, error) {
	bundle := f.bundle
	if bundle == "" {
		wd, err := os.Getwd()
		if err != nil {
			return container.CreateOptions{}, err
		}
		bundle = wd
	}
	if f.preserveFDs < 0 {
		return container.CreateOptions{}, fmt.Errorf("--preserve-fds %d: must not be negative", f.preserveFDs)
	}
	opts := container.CreateOptions{
		Bundle: bundle, ConsoleSocket: f.consoleSocket, PidFile: f.pidFile, PidfdSocket: f.pidfdSocket,
		NoPivot: f.noPivot, NoNewKeyring: f.noNewKeyring, PassFDs: f.preserveFDs,
	}
	// Socket activation, as runc: fds from systemd are passed on and the
	// process is told how many it has.
	if n, err := strconv.Atoi(os.Getenv("LISTEN_FDS")); err == nil && n > 0 {
		opts.ListenFDs = n
		opts.PassFDs += n
	}
	return opts, nil
}

func newCreateCommand() *cobra.Command {
	var f createFlags
	cmd := &cobra.Command{
		Use:   "create [flags] <container-id>",
		Short: "Create a container, its process waiting to be started",
		Long: `create builds the container's namespaces, cgroup and filesystem and stops
its process just before it would run the program. "start" lets it go on.
The process's stdio are those of this command.`,
		Example: `  berth-runtime create -b /srv/bundle web
  berth-runtime start web`,
		Args: exactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts, err := f.options()
			if err != nil {
				return err
			}
			_, err = container.Create(globals.root, args[0], opts)
			return err
		},
	}
	f.register(cmd.Flags())
	return cmd
}

// exactArgs is cobra.ExactArgs with runc's wording.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%q requires exactly %d argument(s), got %d (see '%s --help')", cmd.Name(), n, len(args), cmd.CommandPath())
		}
		return nil
	}
}

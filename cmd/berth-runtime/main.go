// berth-runtime is an OCI runtime with runc's command line, so containerd,
// podman, dockerd and Kubernetes can use it in place of runc.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/runtime/initproc"
	_ "github.com/berth-containers/berth/runtime/nsenter" // links the namespace-joining constructor
)

// exitError carries an exit code out of a command without printing.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// codedError is a failure reported as any other, ending the runtime with
// code instead of 1.
type codedError struct {
	err  error
	code int
}

func (e codedError) Error() string { return e.err.Error() }
func (e codedError) Unwrap() error { return e.err }

// failWith makes run's failures (not an exitError) end with code.
func failWith(code int, run func(*cobra.Command, []string) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		err := run(c, args)
		var ee exitError
		if err != nil && !errors.As(err, &ee) {
			return codedError{err: err, code: code}
		}
		return err
	}
}

func main() {
	// The container's init re-executes this binary; it must not pay for the
	// command line parser or logging set-up.
	if len(os.Args) > 1 && os.Args[1] == "init" && os.Getenv(initproc.EnvSocket) != "" {
		initproc.Main()
	}
	root := newRootCommand()
	err := root.Execute()
	var ee exitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		os.Exit(ee.code)
	default:
		slog.Error(err.Error())
		if !logToStderr {
			fmt.Fprintln(os.Stderr, err)
		}
		code := 1
		if ce := (codedError{}); errors.As(err, &ce) {
			code = ce.code
		}
		os.Exit(code)
	}
}

func newRootCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "berth-runtime",
		Short: "Run OCI containers, with runc's command line",
		Long: `berth-runtime runs containers from OCI bundles: a directory with a config.json
and a root filesystem. Its commands, flags, output and exit codes are runc's,
so containerd, podman and dockerd can use it in place of runc.

A container's life: create (set up, process waiting), start (process runs),
state, kill, delete. run does create and start at once.`,
		Example: `  mkdir -p bundle/rootfs && cd bundle && berth-runtime spec
  # fill rootfs/, edit config.json, then:
  berth-runtime run demo`,
		SilenceErrors:     true,
		SilenceUsage:      true,
		Version:           version(),
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return globals.setup() },
	}
	globals.register(cmd)
	cmd.AddCommand(
		newSpecCommand(), newCreateCommand(), newStartCommand(), newRunCommand(),
		newStateCommand(), newListCommand(), newKillCommand(), newDeleteCommand(),
		newUpdateCommand(), newPauseCommand(), newResumeCommand(), newEventsCommand(), newPsCommand(),
		newFeaturesCommand(), newExecCommand(), newCheckpointCommand(), newRestoreCommand(),
	)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	return cmd
}

// Command berth is a daemonless container engine with Docker's command
// line. This package only turns flags into calls to the image (and later
// engine) packages and their results into Docker's output and exit codes.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
)

// Exit codes, as Docker's CLI.
const (
	exitError        = 1
	exitUsage        = 125
	exitCannotInvoke = 126
	exitNotFound     = 127
)

// usageError marks a bad option value (exit 125 for run and create, whose
// options Docker's flag parser checks; 1 elsewhere, as Docker's).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

type globalOptions struct {
	root      string
	runroot   string
	logLevel  string
	configDir string
	insecure  []string
	svc       *image.Service
}

func main() {
	// The container's init and the monitor re-execute berth; they skip the
	// command line parser (see reexec.go).
	reexec()
	if err := enterRootless(); err != nil {
		fmt.Fprintln(os.Stderr, "berth:", err)
		os.Exit(exitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cmd, err := newRootCommand().ExecuteContextC(ctx)
	stop()
	if err == nil {
		return
	}
	os.Exit(report(os.Stderr, cmd, err))
}

func newRootCommand() *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "berth [OPTIONS] COMMAND",
		Short: "A daemonless container engine with Docker's command line",
		Long: `berth runs containers and manages their images without a daemon.
Every command is a process of its own; they share state under --root.

Images come from a registry (pull), an archive (load) or a rootfs tarball
(import). busybox (any tag) is built in: it is made from the host's static
busybox and needs no network.`,
		Example: `  berth pull busybox                 # the built-in image, offline
  berth pull 127.0.0.1:5000/app:v1   # loopback registries use plain HTTP
  berth images
  berth save -o app.tar app:v1 && berth load -i app.tar`,
		SilenceUsage:       true,
		SilenceErrors:      true,
		PersistentPreRunE:  func(cmd *cobra.Command, _ []string) error { return g.setup(cmd) },
		PersistentPostRunE: func(*cobra.Command, []string) error { return g.close() },
		Version:            readBuildInfo().version,
	}
	root.SetVersionTemplate(versionTemplate())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return flagError{err} })
	f := root.PersistentFlags()
	defRoot, defRunroot := defaultRoots()
	f.StringVar(&g.root, "root", defRoot, "directory of images, containers and volumes")
	f.StringVar(&g.runroot, "runroot", defRunroot, "directory of run-time state")
	f.StringVar(&g.logLevel, "log-level", "warn", "log level: debug, info, warn or error")
	f.StringVar(&g.configDir, "config", "", "directory of the client's config.json (default $DOCKER_CONFIG or ~/.docker)")
	f.StringSliceVar(&g.insecure, "insecure-registry", nil, "registry host[:port] reached over plain HTTP (repeatable); loopback registries always are")
	addImageCommands(root, g)
	root.AddCommand(newLoginCommand(g), newLogoutCommand(g))
	addContainerCommands(root, g)
	addVolumeCommands(root, g)
	addNetworkCommands(root, g)
	addSystemCommands(root, g)
	root.AddCommand(newVersionCommand(), newUnshareCommand())
	dockerGroups(root)
	return root
}

// setup runs before every command: logging, and the roots made or
// repaired root-only before anything is written in them.
func (g *globalOptions) setup(cmd *cobra.Command) error {
	if err := setupLogging(g.logLevel); err != nil {
		return err
	}
	for c := cmd; c != nil; c = c.Parent() {
		if c.Name() == "help" || c.Name() == "completion" || c.Name() == cobra.ShellCompRequestCmd {
			return nil // makes nothing on disk
		}
	}
	return engine.SecureRoots(g.root, g.runroot)
}

func setupLogging(level string) error {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return usageError{fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", level)}
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
	return nil
}

// args wraps a cobra argument check so a wrong count fails as Docker's:
// exit 1, its wording and the usage.
func args(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, a []string) error {
		if err := check(cmd, a); err != nil {
			return argsError{cmd: cmd, want: wantArgs(cmd, check)}
		}
		return nil
	}
}

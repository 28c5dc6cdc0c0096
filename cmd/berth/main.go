// Command berth is a daemonless container engine with Docker's command
// line. This package only turns flags into calls to the image (and later
// engine) packages and their results into Docker's output and exit codes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/cmd/berth/internal/container"
	"github.com/berth-containers/berth/cmd/berth/internal/image"
	"github.com/berth-containers/berth/cmd/berth/internal/network"
	"github.com/berth-containers/berth/cmd/berth/internal/system"
	"github.com/berth-containers/berth/cmd/berth/internal/volume"
)

func main() {
	// The container's init and the monitor re-execute berth; they skip the
	// command line parser (see reexec.go).
	reexec()
	adjustStartingHeap()
	if err := enterRootless(); err != nil {
		fmt.Fprintln(os.Stderr, "berth:", err)
		os.Exit(cli.ExitUsage)
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
	g := &cli.Context{}
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
		PersistentPreRunE:  func(cmd *cobra.Command, _ []string) error { return g.Setup(cmd) },
		PersistentPostRunE: func(*cobra.Command, []string) error { return g.Close() },
		Version:            system.ReadBuildInfo().Version,
	}
	root.SetVersionTemplate(system.VersionTemplate())
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cli.FlagError{Err: err} })
	f := root.PersistentFlags()
	defRoot, defRunroot := defaultRoots()
	f.StringVar(&g.Root, "root", defRoot, "directory of images, containers and volumes")
	f.StringVar(&g.Runroot, "runroot", defRunroot, "directory of run-time state")
	f.StringVar(&g.LogLevel, "log-level", "warn", "log level: debug, info, warn or error")
	f.StringVar(&g.ConfigDir, "config", "", "directory of the client's config.json (default $DOCKER_CONFIG or ~/.docker)")
	f.StringSliceVar(&g.Insecure, "insecure-registry", nil, "registry host[:port] reached over plain HTTP (repeatable); loopback registries always are")
	image.AddCommands(root, g)
	root.AddCommand(image.NewLoginCommand(g), image.NewLogoutCommand(g))
	container.AddCommands(root, g)
	volume.AddCommands(root, g)
	network.AddCommands(root, g)
	system.AddCommands(root, g)
	root.AddCommand(system.NewVersionCommand(), newUnshareCommand())
	dockerGroups(root)
	return root
}

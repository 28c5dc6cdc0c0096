package system

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/api"
	"github.com/berth-containers/berth/cmd/berth/internal/cli"
)

func newSystemServiceCommand(g *cli.Context) *cobra.Command {
	var seconds int
	var group string
	cmd := &cobra.Command{
		Use:   "service [OPTIONS] [URI]",
		Short: "Serve the Docker Engine API",
		Long: `Serve the Docker Engine API, so that the docker CLI, compose and the SDKs drive
berth through DOCKER_HOST. The service is a front end over the same state as
the berth commands: what one makes the other sees, and containers run on when
the service exits.

URI is unix:///PATH (default ` + api.DefaultURI + `) or tcp://127.0.0.1:PORT.
A unix socket is made 0660, owned by root and --group. Under systemd socket
activation (LISTEN_FDS) the passed socket is used and left to systemd.`,
		Example: `  berth system service --time 0
  DOCKER_HOST=unix:///run/berth/berth.sock docker run --rm busybox echo hi`,
		Args: cli.Args(cobra.MaximumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if seconds < 0 {
				return cli.UsageError{Err: fmt.Errorf("invalid --time %d: seconds, 0 for never", seconds)}
			}
			uri := ""
			if len(a) == 1 {
				uri = a[0]
			}
			l, err := api.Listen(uri, group)
			if err != nil {
				return err
			}
			b := ReadBuildInfo()
			s := api.New(api.Options{Root: g.Root, Runroot: g.Runroot, ConfigDir: g.ConfigDir, Insecure: g.Insecure, Version: b.Version, GitCommit: b.commit})
			slog.Info("berth service listening", "uri", l.URI(), "activated", l.Activated, "idle", seconds)
			api.ReleaseStartup()
			return s.Serve(cmd.Context(), l, time.Duration(seconds)*time.Second)
		},
	}
	cmd.Flags().IntVarP(&seconds, "time", "t", 5, "seconds without a request before the service exits, 0 for never")
	cmd.Flags().StringVar(&group, "group", "", "group that owns the socket besides root (name or GID); its directory must let the group in: /run/berth is root's only, use for example unix:///run/berth.sock")
	return cmd
}

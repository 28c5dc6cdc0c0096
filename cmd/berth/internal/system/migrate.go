package system

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/rootless"
)

func newSystemMigrateCommand(g *cli.Context) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Stop the rootless user namespace, so that the next command maps ids anew",
		Long: `Rootless berth keeps one user namespace for the user's whole store, made from
/etc/subuid and /etc/subgid when the first command runs and held by a pause
process. After those files change, run this (as podman system migrate): it
stops the user's running containers, then ends the pause process; the next
berth command makes a new namespace with the new ranges. Containers keep
their records and start again with 'berth start'. As root there is no such
namespace and nothing to do.`,
		Example: `  sudo usermod --add-subuids 200000-265535 --add-subgids 200000-265535 $USER
  berth system migrate`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !rootless.Active() {
				return nil
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			if err := stopAll(e); err != nil {
				return err
			}
			p, err := rootless.UserPaths(os.Getenv)
			if err != nil {
				return err
			}
			return rootless.StopPause(p.Run)
		},
	}
}

// stopAll stops every running (or paused) container, each with its own
// stop signal and timeout; the pause process is left alone if one fails,
// since killing it would not free a namespace that container still holds.
func stopAll(e *engine.Engine) error {
	running, err := e.List(engine.ListOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for _, c := range running {
		if _, err := e.Stop(c.ID, -1); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", c.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("system migrate: %w; the user namespace is kept", err)
	}
	return nil
}

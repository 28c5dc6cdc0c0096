package container

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
)

func newLogsCommand(g *cli.Context) *cobra.Command {
	var o engine.LogsOptions
	var tail, sinceArg, untilArg string
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] CONTAINER",
		Short: "Fetch the logs of a container",
		Long: `Print a container's output, stdout to stdout and stderr to stderr, from its
json-file log. -f follows it until the container stops.`,
		Example: `  berth logs web
  berth logs -f --tail 10 web
  berth logs --since 5m -t web`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			// As Docker's: SIGINT and SIGTERM end logs -f (main's handler
			// would only cancel a context that following does not watch).
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			o.Tail = -1
			if tail != "all" {
				n, err := strconv.Atoi(tail)
				if err != nil {
					return cli.UsageError{Err: fmt.Errorf("invalid --tail %q: use a number or all", tail)}
				}
				o.Tail = n
			}
			var err error
			if o.Since, err = parseTimeArg(sinceArg); err != nil {
				return cli.UsageError{Err: err}
			}
			if o.Until, err = parseTimeArg(untilArg); err != nil {
				return cli.UsageError{Err: err}
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return e.Logs(a[0], o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.Follow, "follow", "f", false, "follow log output")
	f.BoolVarP(&o.Timestamps, "timestamps", "t", false, "show timestamps")
	f.BoolVar(&o.Details, "details", false, "show extra details provided to logs")
	f.StringVarP(&tail, "tail", "n", "all", "number of lines to show from the end of the logs")
	f.StringVar(&sinceArg, "since", "", "show logs since timestamp (2013-01-02T13:23:37Z) or relative (42m)")
	f.StringVar(&untilArg, "until", "", "show logs before a timestamp (2013-01-02T13:23:37Z) or relative (42m)")
	return cmd
}

// parseTimeArg reads Docker's --since/--until: a duration before now, an
// RFC 3339 time or Unix seconds.
func parseTimeArg(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		return time.Now().Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Unix(0, int64(f*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q: use a duration (10m), RFC 3339 or Unix seconds", s)
}

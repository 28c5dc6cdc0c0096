package container

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
)

// psRow is one line of ps, with Docker's --format field names.
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Ports, Status, Size, Names, Labels, Mounts, Networks, State string

	labels map[string]string
}

// Label is {{.Label "key"}}: one label's value, as Docker's ps template.
func (r psRow) Label(key string) string { return r.labels[key] }

// CommandColumn is Docker's COMMAND: the arguments joined, those with
// blanks in single quotes, cut to 20 characters unless --no-trunc, then
// double-quoted.
func CommandColumn(argv []string, noTrunc bool) string {
	parts := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n") {
			a = "'" + a + "'"
		}
		parts[i] = a
	}
	command := strings.Join(parts, " ")
	if r := []rune(command); !noTrunc && len(r) > 20 {
		command = string(r[:19]) + "…"
	}
	return strconv.Quote(command)
}

func newPsCommand(g *cli.Context) *cobra.Command { return newPsCommandNamed(g, "ps") }

func newPsCommandNamed(g *cli.Context, name string) *cobra.Command {
	var o engine.ListOptions
	var quiet, size, noTrunc, latest bool
	var format string
	cmd := &cobra.Command{
		Use:   name + " [OPTIONS]",
		Short: "List containers",
		Long: `List running containers (-a: all). Status comes from the system, not only
from records: a container whose monitor was killed shows as it really is.`,
		Example: `  berth ps -a
  berth ps -q --filter status=exited
  berth ps --format '{{.Names}}\t{{.Status}}'`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if latest {
				o.Last = 1
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			e.Network().RepairSoon(cmd.Context())
			list, err := e.List(o)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			out := cmd.OutOrStdout()
			if quiet {
				for _, c := range list {
					fmt.Fprintln(out, cli.ShortenID(c.ID, noTrunc))
				}
				return nil
			}
			rows := make([]any, len(list))
			for i, c := range list {
				rows[i] = toPsRow(e, c, noTrunc, size)
			}
			if cli.IsDefaultFormat(format) {
				format = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
				if size {
					format += "\t{{.Size}}"
				}
			}
			headers := psRow{ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED",
				RunningFor: "CREATED", Ports: "PORTS", Status: "STATUS", Size: "SIZE", Names: "NAMES",
				Labels: "LABELS", Mounts: "MOUNTS", Networks: "NETWORKS", State: "STATE"}
			return cli.RenderTemplate(out, format, headers, rows)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.All, "all", "a", false, "show all containers (default shows just running)")
	f.BoolVarP(&quiet, "quiet", "q", false, "only display container IDs")
	f.BoolVarP(&size, "size", "s", false, "display total file sizes")
	f.IntVarP(&o.Last, "last", "n", -1, "show n last created containers (includes all states)")
	f.BoolVarP(&latest, "latest", "l", false, "show the latest created container (includes all states)")
	f.BoolVar(&noTrunc, "no-trunc", false, "don't truncate output")
	f.StringArrayVarP(&o.Filters, "filter", "f", nil, "filter output based on conditions provided")
	f.StringVar(&format, "format", "", "format output using a Go template")
	return cmd
}

func toPsRow(e *engine.Engine, c *record.Container, noTrunc, size bool) psRow {
	labels := make([]string, 0, len(c.Config.Labels))
	for k, v := range c.Config.Labels {
		labels = append(labels, k+"="+v)
	}
	r := psRow{
		ID: cli.ShortenID(c.ID, noTrunc), Image: c.Image, Command: CommandColumn(append([]string{c.Path}, c.Args...), noTrunc),
		CreatedAt: cli.Since(c.Created), RunningFor: cli.Since(c.Created), Status: StatusText(c),
		Names: c.Name, Labels: strings.Join(labels, ","), Networks: engine.NetworksColumn(c), State: c.State.Status,
		Ports: e.Network().PortsColumn(c), labels: c.Config.Labels,
	}
	if size {
		if rw, err := e.Files().Size(c); err == nil {
			r.Size = humanSize(rw)
		}
	}
	return r
}

// StatusText is Docker's STATUS column: "Up 2 minutes", "Exited (0) 3
// seconds ago", "Created".
func StatusText(c *record.Container) string {
	st := c.State
	switch st.Status {
	case record.StatusRunning:
		if c.Unmonitored() {
			return "Up " + cli.HumanDuration(time.Since(st.StartedAt)) + " (monitor killed)"
		}
		return "Up " + cli.HumanDuration(time.Since(st.StartedAt)) + c.HealthText()
	case record.StatusPaused:
		return "Up " + cli.HumanDuration(time.Since(st.StartedAt)) + " (Paused)"
	case record.StatusRestarting:
		return fmt.Sprintf("Restarting (%d) %s", st.ExitCode, cli.Since(st.FinishedAt))
	case record.StatusExited:
		if st.StartedAt.IsZero() {
			return "Created"
		}
		return fmt.Sprintf("Exited (%d) %s", st.ExitCode, cli.Since(st.FinishedAt))
	}
	return "Created"
}

func humanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}

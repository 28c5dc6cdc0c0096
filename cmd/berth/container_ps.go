package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/engine"
)

// psRow is one line of ps, with Docker's --format field names.
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Ports, Status, Size, Names, Labels, Mounts, Networks, State string

	labels map[string]string
}

// Label is {{.Label "key"}}: one label's value, as Docker's ps template.
func (r psRow) Label(key string) string { return r.labels[key] }

// commandColumn is Docker's COMMAND: the arguments joined, those with
// blanks in single quotes, cut to 20 characters unless --no-trunc, then
// double-quoted.
func commandColumn(argv []string, noTrunc bool) string {
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

func newPsCommand(g *globalOptions) *cobra.Command { return newPsCommandNamed(g, "ps") }

func newPsCommandNamed(g *globalOptions, name string) *cobra.Command {
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
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if latest {
				o.Last = 1
			}
			e, err := g.engine()
			if err != nil {
				return err
			}
			e.Network().RepairSoon(cmd.Context())
			list, err := e.List(o)
			if err != nil {
				return usageError{err}
			}
			out := cmd.OutOrStdout()
			if quiet {
				for _, c := range list {
					fmt.Fprintln(out, shortenID(c.ID, noTrunc))
				}
				return nil
			}
			rows := make([]any, len(list))
			for i, c := range list {
				rows[i] = toPsRow(e, c, noTrunc, size)
			}
			if isDefaultFormat(format) {
				format = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedAt}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
				if size {
					format += "\t{{.Size}}"
				}
			}
			headers := psRow{ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED",
				RunningFor: "CREATED", Ports: "PORTS", Status: "STATUS", Size: "SIZE", Names: "NAMES",
				Labels: "LABELS", Mounts: "MOUNTS", Networks: "NETWORKS", State: "STATE"}
			return renderTemplate(out, format, headers, rows)
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

func toPsRow(e *engine.Engine, c *engine.Container, noTrunc, size bool) psRow {
	labels := make([]string, 0, len(c.Config.Labels))
	for k, v := range c.Config.Labels {
		labels = append(labels, k+"="+v)
	}
	r := psRow{
		ID: shortenID(c.ID, noTrunc), Image: c.Image, Command: commandColumn(append([]string{c.Path}, c.Args...), noTrunc),
		CreatedAt: since(c.Created), RunningFor: since(c.Created), Status: statusText(c),
		Names: c.Name, Labels: strings.Join(labels, ","), Networks: engine.NetworksColumn(c), State: c.State.Status,
		Ports: e.Network().PortsColumn(c), labels: c.Config.Labels,
	}
	if size {
		if rw, err := e.Size(c); err == nil {
			r.Size = humanSize(rw)
		}
	}
	return r
}

// statusText is Docker's STATUS column: "Up 2 minutes", "Exited (0) 3
// seconds ago", "Created".
func statusText(c *engine.Container) string {
	st := c.State
	switch st.Status {
	case engine.StatusRunning:
		if c.Unmonitored() {
			return "Up " + humanDuration(time.Since(st.StartedAt)) + " (monitor killed)"
		}
		return "Up " + humanDuration(time.Since(st.StartedAt)) + c.HealthText()
	case engine.StatusPaused:
		return "Up " + humanDuration(time.Since(st.StartedAt)) + " (Paused)"
	case engine.StatusRestarting:
		return fmt.Sprintf("Restarting (%d) %s", st.ExitCode, since(st.FinishedAt))
	case engine.StatusExited:
		if st.StartedAt.IsZero() {
			return "Created"
		}
		return fmt.Sprintf("Exited (%d) %s", st.ExitCode, since(st.FinishedAt))
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

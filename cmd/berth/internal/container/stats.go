package container

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
)

// statsRow is one line of stats, with Docker's --format field names.
type statsRow struct {
	Container, ID, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs string
}

func newStatsCommand(g *cli.Context) *cobra.Command {
	var o engine.StatsOptions
	var format string
	var noTrunc bool
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [CONTAINER...]",
		Short: "Display a live stream of container(s) resource usage statistics",
		Long: `Show CPU, memory, network, block I/O and pids of running containers (-a:
all), read from their cgroups, refreshed every second until interrupted;
--no-stream prints one table.`,
		Example: `  berth stats --no-stream
  berth stats web --format '{{.Name}} {{.MemUsage}}'`,
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			o.Refs = a
			// Docker's {{.Container}} is the name or ID as given.
			given := map[string]string{}
			for _, ref := range a {
				if c, err := e.Get(ref); err == nil {
					given[c.ID] = ref
				}
			}
			out := cmd.OutOrStdout()
			clear := !o.NoStream && term.IsTerminal(int(os.Stdout.Fd()))
			if cli.IsDefaultFormat(format) {
				format = "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}"
			}
			headers := statsRow{Container: "CONTAINER", ID: "CONTAINER ID", Name: "NAME", CPUPerc: "CPU %",
				MemUsage: "MEM USAGE / LIMIT", MemPerc: "MEM %", NetIO: "NET I/O", BlockIO: "BLOCK I/O", PIDs: "PIDS"}
			return e.Stats(cmd.Context(), o, func(list []engine.StatsEntry) error {
				if clear {
					io.WriteString(out, "\033[2J\033[H")
				}
				rows := make([]any, len(list))
				for i, s := range list {
					r := toStatsRow(s, noTrunc)
					if ref, ok := given[s.ID]; ok {
						r.Container = ref
					}
					rows[i] = r
				}
				return cli.RenderTemplate(out, format, headers, rows)
			})
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.All, "all", "a", false, "show all containers (default shows just running)")
	f.BoolVar(&o.NoStream, "no-stream", false, "disable streaming stats and only pull the first result")
	f.BoolVar(&noTrunc, "no-trunc", false, "do not truncate output")
	f.StringVar(&format, "format", "", "format output using a Go template")
	return cmd
}

func toStatsRow(s engine.StatsEntry, noTrunc bool) statsRow {
	r := statsRow{Container: cli.ShortenID(s.ID, noTrunc), ID: cli.ShortenID(s.ID, noTrunc), Name: s.Name,
		CPUPerc: "--", MemUsage: "-- / --", MemPerc: "--", NetIO: "--", BlockIO: "--", PIDs: "--"}
	if !s.Running {
		return r
	}
	r.CPUPerc = fmt.Sprintf("%.2f%%", s.CPUPercent)
	r.MemUsage = cli.BytesSize(s.MemUsage) + " / " + cli.BytesSize(s.MemLimit)
	r.MemPerc = fmt.Sprintf("%.2f%%", s.MemPercent)
	r.NetIO = humanSize(int64(s.NetRx)) + " / " + humanSize(int64(s.NetTx))
	r.BlockIO = humanSize(int64(s.BlockRead)) + " / " + humanSize(int64(s.BlockWrite))
	r.PIDs = fmt.Sprint(s.Pids)
	return r
}

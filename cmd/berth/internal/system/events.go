package system

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/internal/eventlog"
	"github.com/berth-containers/berth/internal/filters"
)

func newEventsCommand(g *cli.Context) *cobra.Command {
	var since, until, format string
	var filterArgs []string
	cmd := &cobra.Command{
		Use:   "events [OPTIONS]",
		Short: "Get real time events from berth",
		Long: `Print the events berth's commands and container monitors log under --root:
containers (create, start, die, stop, kill, oom, pause, unpause, destroy, rename,
restart, exec_create, exec_start, exec_die, attach), images, networks and volumes.
Without --until it follows new events until interrupted.

--since and --until take an RFC 3339 time or date, unix seconds (with a
fraction) or a duration before now (10m). Filters: container, event, image,
label, network, type, volume; values of one key are ORed, keys ANDed.`,
		Example: `  berth events --since 10m --until 0s
  berth events --filter type=container --filter event=die --format '{{.Actor.Attributes.name}} {{.Actor.Attributes.exitCode}}'
  berth events --since 1h --until 0s --format '{{json .}}'`,
		Args: cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := eventsOptions(since, until, filterArgs)
			if err != nil {
				return err
			}
			o.read.Done = cmd.Context().Done()
			return printEvents(cmd.OutOrStdout(), eventlog.Open(g.Root), o, format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "show events since this time")
	f.StringVar(&until, "until", "", "stream events until this time")
	f.StringArrayVarP(&filterArgs, "filter", "f", nil, "filter output based on conditions provided")
	f.StringVar(&format, "format", "", "format the output using the given Go template")
	return cmd
}

type eventsOpts struct {
	read   eventlog.ReadOptions
	filter eventlog.Filter
}

// eventsOptions reads the flags as Docker's CLI and daemon do: a bad time
// or filter key is an error (exit 1), a filter without "=" a flag error (125).
func eventsOptions(since, until string, filterArgs []string) (eventsOpts, error) {
	var o eventsOpts
	now := time.Now()
	for _, t := range []struct {
		v   string
		dst *time.Time
	}{{since, &o.read.Since}, {until, &o.read.Until}} {
		if t.v == "" {
			continue
		}
		v, err := eventlog.ParseTime(t.v, now)
		if err != nil {
			return o, cli.BareError{Err: err} // the CLI's own check, as Docker's
		}
		*t.dst = v
	}
	if !o.read.Since.IsZero() && !o.read.Until.IsZero() && o.read.Since.After(o.read.Until) {
		return o, fmt.Errorf("`since` time (%s) cannot be after `until` (%s)", unixString(o.read.Since), unixString(o.read.Until))
	}
	o.read.Follow = o.read.Until.IsZero() || o.read.Until.After(now)
	set := filters.Set{Keys: eventlog.FilterKeys, Format: func(arg string) error {
		return cli.FlagError{Err: fmt.Errorf("invalid argument %q for \"-f, --filter\" flag: bad format of filter (expected name=value)", arg)}
	}}
	args, err := set.Parse(filterArgs)
	o.filter = eventlog.Filter(args)
	return o, err
}

func unixString(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }

// printEvents prints the log's events that pass o's filter: Docker's
// line, or each through the --format template.
func printEvents(w io.Writer, l *eventlog.Log, o eventsOpts, format string) error {
	var tmpl *template.Template
	if format == "json" {
		format = "{{json .}}"
	}
	if format != "" {
		var err error
		format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
		if tmpl, err = template.New("format").Funcs(cli.TemplateFuncs).Parse(format); err != nil {
			return cli.UsageError{Err: fmt.Errorf("invalid --format template: %w", err)}
		}
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	defer bw.Flush()
	// {{json .}} is what scripts use: encoded straight, it costs a third
	// of the template's run.
	var enc *json.Encoder
	if strings.TrimSpace(format) == "{{json .}}" {
		enc = json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
	}
	var scratch []byte
	return l.Read(o.read, func(ev eventlog.Event) error {
		if !o.filter.Match(ev) {
			return nil
		}
		m := ev.Message()
		switch {
		case enc != nil:
			if err := enc.Encode(m); err != nil {
				return fmt.Errorf("format: %w", err)
			}
		case tmpl == nil:
			scratch = printEventLine(bw, scratch[:0], m)
		default:
			if err := tmpl.Execute(bw, m); err != nil {
				return fmt.Errorf("format: %w", err)
			}
			bw.WriteByte('\n')
		}
		if o.read.Follow {
			return bw.Flush() // a reader of the stream sees each event as it comes
		}
		return nil
	})
}

// printEventLine is Docker's default line: local time with nanoseconds,
// type, action, actor, and the attributes sorted by key. It returns
// scratch, the buffer it formatted the time in, for the next line.
func printEventLine(w *bufio.Writer, scratch []byte, m eventlog.Message) []byte {
	scratch = time.Unix(0, m.TimeNano).AppendFormat(scratch, "2006-01-02T15:04:05.000000000Z07:00")
	w.Write(scratch)
	w.WriteByte(' ')
	w.WriteString(m.Type + " " + m.Action + " " + m.Actor.ID)
	if len(m.Actor.Attributes) > 0 {
		keys := make([]string, 0, len(m.Actor.Attributes))
		for k := range m.Actor.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.WriteString(" (")
		for i, k := range keys {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(k + "=" + m.Actor.Attributes[k])
		}
		w.WriteByte(')')
	}
	w.WriteByte('\n')
	return scratch
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"
)

// templateFuncs are the functions Docker offers in --format templates.
var templateFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	"join":  strings.Join,
	"title": func(s string) string {
		if s == "" {
			return s
		}
		return strings.ToUpper(s[:1]) + s[1:]
	},
}

// renderTemplate prints each row through a Docker --format template.
// "table ..." prints a header, made by running the same template on
// headers; "json" prints each row as JSON.
func renderTemplate(w io.Writer, format string, headers any, rows []any) error {
	if format == "json" {
		format = "{{json .}}"
	}
	table := strings.HasPrefix(format, "table")
	if table {
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("format").Funcs(templateFuncs).Parse(format)
	if err != nil {
		return usageError{fmt.Errorf("invalid --format template: %w", err)}
	}
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	out := io.Writer(w)
	if table {
		out = tw
		if err := tmpl.Execute(out, headers); err != nil {
			return fmt.Errorf("format header: %w", err)
		}
		fmt.Fprintln(out)
	}
	for _, r := range rows {
		if err := tmpl.Execute(out, r); err != nil {
			return fmt.Errorf("format: %w", err)
		}
		fmt.Fprintln(out)
	}
	return tw.Flush()
}

// humanDuration is Docker's "2 weeks ago" wording (units.HumanDuration).
func humanDuration(d time.Duration) string {
	s := int(d.Seconds())
	switch {
	case s < 1:
		return "Less than a second"
	case s == 1:
		return "1 second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	case d.Minutes() < 2:
		return "About a minute"
	case d.Minutes() < 60:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	case d.Hours() < 2:
		return "About an hour"
	case d.Hours() < 48:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	case d.Hours() < 24*7*2:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d.Hours() < 24*30*2:
		return fmt.Sprintf("%d weeks", int(d.Hours()/24/7))
	case d.Hours() < 24*365*2:
		return fmt.Sprintf("%d months", int(d.Hours()/24/30))
	}
	return fmt.Sprintf("%d years", int(d.Hours()/24/365))
}

func since(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return humanDuration(time.Since(t)) + " ago"
}

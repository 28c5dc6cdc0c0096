package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"
	"unicode"
)

// BytesSize is Docker's units.BytesSize: binary units, four digits.
func BytesSize(n uint64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB"}
	f := float64(n)
	i := 0
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return fmt.Sprintf("%.4g%s", f, units[i])
}

// TemplateFuncs are the functions Docker offers in --format templates
// (docker/cli's templates package), beside Go's own (println, len, ...).
var TemplateFuncs = template.FuncMap{
	"json":     templateJSON,
	"split":    strings.Split,
	"join":     strings.Join,
	"title":    templateTitle,
	"lower":    strings.ToLower,
	"upper":    strings.ToUpper,
	"pad":      templatePad,
	"truncate": templateTruncate,
}

// templateJSON is one line of JSON without HTML escaping, so "<none>" and
// "a&b" print as they are, as in Docker.
func templateJSON(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// templateTitle upper-cases the first letter of each word and leaves the
// rest as it is.
func templateTitle(s string) string {
	out := []rune(s)
	start := true
	for i, r := range out {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			if start {
				out[i] = unicode.ToTitle(r)
			}
			start = false
			continue
		}
		start = true
	}
	return string(out)
}

// templatePad puts spaces before and after a non-empty string.
func templatePad(s string, before, after int) string {
	if s == "" {
		return s
	}
	return strings.Repeat(" ", max(before, 0)) + s + strings.Repeat(" ", max(after, 0))
}

// templateTruncate keeps the first n runes of s.
func templateTruncate(s string, n int) string {
	r := []rune(s)
	if n < 0 || len(r) <= n {
		return s
	}
	return string(r[:n])
}

// IsDefaultFormat tells whether a list prints its own table: no --format,
// or Docker's bare "table".
func IsDefaultFormat(format string) bool { return format == "" || format == "table" }

// RenderTemplate prints each row through a Docker --format template.
// "table ..." prints a header, made by running the same template on
// headers; "json" prints each row as JSON.
func RenderTemplate(w io.Writer, format string, headers any, rows []any) error {
	if format == "json" {
		format = "{{json .}}"
	}
	table := strings.HasPrefix(format, "table")
	if table {
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("format").Funcs(TemplateFuncs).Parse(format)
	if err != nil {
		return UsageError{Err: fmt.Errorf("invalid --format template: %w", err)}
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

// HumanDuration is Docker's "2 weeks ago" wording (units.HumanDuration).
func HumanDuration(d time.Duration) string {
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

func Since(t time.Time) string {
	if t.IsZero() {
		return "N/A"
	}
	return HumanDuration(time.Since(t)) + " ago"
}

// ShortenID is Docker's 12-character ID unless --no-trunc.
func ShortenID(id string, noTrunc bool) string {
	if noTrunc {
		return id
	}
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		id = id[:12]
	}
	return id
}

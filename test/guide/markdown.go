// Package guide runs the commands of docs/how-containers-work.md and checks
// that each prints what the guide says it prints, so the guide stays true.
package guide

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// A step is one command of the guide and the output shown under it.
type step struct {
	line    int // of the command in the markdown file
	command string
	want    []string
}

// A section is one experiment: the steps under a "## " heading, run in
// order in one engine, so later commands see the containers of earlier ones.
type section struct {
	title string
	steps []step
}

// parseGuide reads the console blocks of a guide: in a block fenced by
// "```console", a line starting with "$ " is a command, continued on the
// lines after it that start with the shell's second prompt "> " (as a
// terminal shows a quoted string over several lines) or after a trailing
// backslash; the lines after it, up to the next command or the fence, are
// its output.
func parseGuide(r io.Reader) ([]section, error) {
	var (
		out     []section
		inBlock bool
		cur     *step
		n       int
	)
	flush := func() {
		if cur != nil {
			s := &out[len(out)-1]
			s.steps = append(s.steps, *cur)
			cur = nil
		}
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		n++
		text := sc.Text()
		switch {
		case !inBlock && strings.HasPrefix(text, "## "):
			out = append(out, section{title: strings.TrimPrefix(text, "## ")})
		case !inBlock && text == "```console":
			if len(out) == 0 {
				return nil, fmt.Errorf("line %d: console block before the first section", n)
			}
			inBlock = true
		case inBlock && text == "```":
			flush()
			inBlock = false
		case inBlock && strings.HasPrefix(text, "$ "):
			flush()
			cur = &step{line: n, command: strings.TrimPrefix(text, "$ ")}
		case inBlock && cur != nil && len(cur.want) == 0 && strings.HasPrefix(text, "> "):
			cur.command += "\n" + strings.TrimPrefix(text, "> ")
		case inBlock && cur != nil && len(cur.want) == 0 && strings.HasSuffix(cur.command, `\`):
			cur.command += "\n" + text
		case inBlock:
			if cur == nil {
				return nil, fmt.Errorf("line %d: output before any command in a console block", n)
			}
			cur.want = append(cur.want, text)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if inBlock {
		return nil, fmt.Errorf("line %d: console block not closed", n)
	}
	return out, nil
}

// idPattern is a container or image ID, full or short: different on
// every run, so both sides show it as <ID>.
var idPattern = regexp.MustCompile(`\b[0-9a-f]{12,64}\b`)

func normalize(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		out = append(out, idPattern.ReplaceAllString(strings.TrimRight(l, " \t"), "<ID>"))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// ellipsis stands in the guide for what differs between runs and machines:
// inside a line it matches any text, and a line of its own matches any
// number of lines.
const ellipsis = "…"

// matchOutput reports whether got is what want shows.
func matchOutput(want, got []string) bool {
	return matchLines(normalize(want), normalize(got))
}

func matchLines(want, got []string) bool {
	if len(want) == 0 {
		return len(got) == 0
	}
	if want[0] == ellipsis {
		for i := 0; i <= len(got); i++ {
			if matchLines(want[1:], got[i:]) {
				return true
			}
		}
		return false
	}
	return len(got) > 0 && matchLine(want[0], got[0]) && matchLines(want[1:], got[1:])
}

func matchLine(want, got string) bool {
	if !strings.Contains(want, ellipsis) {
		return want == got
	}
	parts := strings.Split(want, ellipsis)
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile("^" + strings.Join(parts, ".*") + "$").MatchString(got)
}

// rewrite returns the guide with the output under each command replaced by
// got[line of the command], where got has it.
func rewrite(doc []byte, got map[int][]string) []byte {
	var b strings.Builder
	lines := strings.Split(string(doc), "\n")
	inBlock, skipping := false, false
	for i := 0; i < len(lines); i++ {
		text := lines[i]
		switch {
		case !inBlock && text == "```console":
			inBlock = true
		case inBlock && text == "```":
			inBlock, skipping = false, false
		case inBlock && strings.HasPrefix(text, "$ "):
			skipping = false
			b.WriteString(text + "\n")
			n := i + 1
			for i+1 < len(lines) && (strings.HasSuffix(lines[i], `\`) || strings.HasPrefix(lines[i+1], "> ")) {
				i++
				b.WriteString(lines[i] + "\n")
			}
			if out, ok := got[n]; ok {
				for _, l := range out {
					b.WriteString(l + "\n")
				}
				skipping = true
			}
			continue
		case inBlock && skipping:
			continue
		}
		b.WriteString(text)
		if i < len(lines)-1 {
			b.WriteString("\n")
		}
	}
	return []byte(b.String())
}

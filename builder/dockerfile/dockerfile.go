// Package dockerfile reads a Dockerfile into stages with BuildKit's own
// parser (github.com/moby/buildkit/frontend/dockerfile): Docker's line
// continuations, comments, parser directives, heredocs, JSON (exec) forms
// and instruction flags, so berth accepts exactly what Docker accepts. It
// adds errors that name the file and line, and the word expansion of
// ${VAR:-word} with a given set of variables.
package dockerfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// File is a parsed Dockerfile.
type File struct {
	Name     string // as the user named it, for errors: Dockerfile, build/Dockerfile.dev
	Stages   []instructions.Stage
	MetaArgs []instructions.ArgCommand // ARGs before the first FROM
	escape   rune
}

// Parse reads a Dockerfile. name is how errors call it.
func Parse(data []byte, name string) (*File, error) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, LineError(name, err)
	}
	stages, meta, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, LineError(name, err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no FROM instruction: a Dockerfile starts with FROM (after ARGs and parser directives)", name)
	}
	return &File{Name: name, Stages: stages, MetaArgs: meta, escape: res.EscapeToken}, nil
}

// LineError makes err read "Dockerfile:3: what went wrong" when it carries
// a location in the Dockerfile.
func LineError(name string, err error) error {
	msg := err.Error()
	// instructions.Parse wraps its errors in "dockerfile parse error on
	// line N:"; the line comes first here instead.
	if inner := errors.Unwrap(err); inner != nil && strings.HasPrefix(msg, "dockerfile parse error on line") {
		msg = inner.Error()
	}
	var loc *parser.LocationError
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 {
		return &Error{File: name, Line: loc.Locations[0][0].Start.Line, Msg: msg, Err: err}
	}
	return &Error{File: name, Msg: msg, Err: err}
}

// Error is a Dockerfile error at a line (0: the file as a whole).
type Error struct {
	File string
	Line int
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return e.File + ": " + e.Msg
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// At names the line of a command (its Location) in errors of the build.
func (f *File) At(loc []parser.Range, err error) error {
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	line := 0
	if len(loc) > 0 {
		line = loc[0].Start.Line
	}
	return &Error{File: f.Name, Line: line, Msg: err.Error(), Err: err}
}

// Vars are the variables a word is expanded with, in Docker's "K=V" form;
// a later entry wins.
type Vars []string

// Get returns a variable's value.
func (v Vars) Get(key string) (string, bool) {
	for i := len(v) - 1; i >= 0; i-- {
		if k, val, _ := strings.Cut(v[i], "="); k == key {
			return val, true
		}
	}
	return "", false
}

// Keys returns the variables' names.
func (v Vars) Keys() []string {
	seen := map[string]bool{}
	var keys []string
	for _, kv := range v {
		k, _, _ := strings.Cut(kv, "=")
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// Set returns v with key set to val: in its place when v has it (as
// Docker's ENV replaces a variable), else at the end.
func (v Vars) Set(key, val string) Vars {
	out := make(Vars, 0, len(v)+1)
	found := false
	for _, kv := range v {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			if found {
				continue
			}
			kv, found = key+"="+val, true
		}
		out = append(out, kv)
	}
	if !found {
		out = append(out, key+"="+val)
	}
	return out
}

// Expand substitutes variables in one word as Docker does (${VAR},
// ${VAR:-word}, ${VAR:+word}, quotes and escapes). A Lex of its own per
// call: buildkit's Lex keeps the word it works on in itself, and stages
// that build at once expand at once (a shared one gave an empty FROM).
func (f *File) Expand(word string, vars Vars) (string, error) {
	s, _, err := shell.NewLex(f.escape).ProcessWord(word, vars)
	return s, err
}

// ExpandCommand expands the variables in a command's arguments, for the
// commands that take them (not RUN, CMD, ENTRYPOINT: their shell does).
func (f *File) ExpandCommand(cmd instructions.Command, vars Vars) error {
	ex, ok := cmd.(instructions.SupportsSingleWordExpansion)
	if !ok {
		return nil
	}
	if err := ex.Expand(func(w string) (string, error) { return f.Expand(w, vars) }); err != nil {
		return f.At(cmd.Location(), err)
	}
	return nil
}

// Script is a RUN heredoc with its own #! interpreter: BuildKit runs it as
// an executable file, not through the shell.
type Script struct {
	Name string // the heredoc's name: EOF
	Data string
}

// RunScript turns RUN <<EOF into the command BuildKit runs: a lone heredoc's
// text is the shell's script (or, when it starts with #!, a file to run,
// returned as script); a command line with heredocs is given to the shell
// whole, documents included, for it to read them.
func RunScript(c instructions.ShellDependantCmdLine) (_ instructions.ShellDependantCmdLine, script *Script, _ error) {
	if len(c.Files) == 0 {
		return c, nil, nil
	}
	if len(c.CmdLine) != 1 || !c.PrependShell {
		return c, nil, fmt.Errorf("parsing produced an invalid run command: %v", c.CmdLine)
	}
	out := c
	out.Files = nil
	if parser.MustParseHeredoc(c.CmdLine[0]) != nil {
		data := c.Files[0].Data
		if c.Files[0].Chomp {
			data = parser.ChompHeredocContent(data)
		}
		if strings.HasPrefix(data, "#!") {
			return c, &Script{Name: c.Files[0].Name, Data: data}, nil
		}
		out.CmdLine = []string{data}
		return out, nil, nil
	}
	var b strings.Builder
	b.WriteString(c.CmdLine[0])
	for _, f := range c.Files {
		b.WriteByte('\n')
		b.WriteString(f.Data)
		b.WriteString(f.Name)
	}
	out.CmdLine = []string{b.String()}
	return out, nil, nil
}

// ExpandRaw substitutes variables in a heredoc's text as BuildKit does for
// COPY <<EOF: quotes and backslashes are kept as written.
func (f *File) ExpandRaw(data string, vars Vars) (string, error) {
	lex := shell.NewLex(f.escape)
	lex.RawQuotes, lex.RawEscapes, lex.SkipProcessQuotes = true, true, true
	s, _, err := lex.ProcessWord(data, vars)
	return s, err
}

package dockerfile

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"FROM busybox\nRUN true\nFOO bar\n", "Dockerfile:3: unknown instruction: FOO"},
		{"# a comment\nRUN true\n", "no build stage in current context"},
		{"FROM busybox\nEXPOSE\n", "Dockerfile:2: EXPOSE requires at least one argument"},
		{"", "Dockerfile: file with no instructions"},
		{"ARG X\n", "Dockerfile: no FROM instruction"},
	} {
		_, err := Parse([]byte(c.src), "Dockerfile")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.src, err, c.want)
		}
	}
}

func TestParseForms(t *testing.T) {
	f, err := Parse([]byte("ARG B=busybox\nFROM $B AS base\nRUN echo \\\n  hi\nCMD [\"a\", \"b\"]\nFROM base\n"), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Stages) != 2 || len(f.MetaArgs) != 1 || f.Stages[0].Name != "base" || f.Stages[1].BaseName != "base" {
		t.Fatalf("stages %+v, meta args %+v", f.Stages, f.MetaArgs)
	}
	if got := len(f.Stages[0].Commands); got != 2 {
		t.Errorf("stage 0 has %d commands, want 2", got)
	}
}

func TestExpand(t *testing.T) {
	f, err := Parse([]byte("FROM x\n"), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	vars := Vars{"A=1", "B=", "A=2"}
	for word, want := range map[string]string{
		"$A":          "2",
		"${A:-no}":    "2",
		"${B:-empty}": "empty",
		"${B-unset}":  "",
		"${C:-none}":  "none",
		"${A:+set}":   "set",
		"${C:+set}":   "",
		`'$A'`:        "$A",
		`\$A`:         "$A",
	} {
		got, err := f.Expand(word, vars)
		if err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", word, got, err, want)
		}
	}
	if got := vars.Set("A", "3"); len(got) != 2 || got[0] != "A=3" || got[1] != "B=" {
		t.Errorf("Set: %v", got)
	}
}

func TestRunScript(t *testing.T) {
	for _, c := range []struct{ src, want, script string }{
		{"RUN <<EOF\necho a\necho b\nEOF", "echo a\necho b\n", ""},
		{"RUN <<-EOF\n\techo tabbed\nEOF", "echo tabbed\n", ""},
		{"RUN cat <<EOF > /x\nhello\nEOF", "cat <<EOF > /x\nhello\nEOF", ""},
		{"RUN echo plain", "echo plain", ""},
		{"RUN <<EOF\n#!/bin/sh -e\necho hi\nEOF", "", "#!/bin/sh -e\necho hi\n"},
	} {
		f, err := Parse([]byte("FROM scratch\n"+c.src+"\n"), "Dockerfile")
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		run := f.Stages[0].Commands[0].(*instructions.RunCommand)
		line, script, err := RunScript(run.ShellDependantCmdLine)
		if err != nil {
			t.Fatalf("%q: %v", c.src, err)
		}
		if c.script != "" {
			if script == nil || script.Data != c.script || script.Name != "EOF" {
				t.Errorf("%q: script %+v, want %q", c.src, script, c.script)
			}
			continue
		}
		if script != nil || !line.PrependShell || strings.Join(line.CmdLine, " ") != c.want {
			t.Errorf("%q: %q (script %v), want %q", c.src, line.CmdLine, script, c.want)
		}
	}
}

func TestExpandRaw(t *testing.T) {
	f, err := Parse([]byte("FROM scratch\n"), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.ExpandRaw("a=$A \"q\" 'b' \\n ${U:-d}\n", Vars{"A=1"})
	if want := "a=1 \"q\" 'b' \\n d\n"; err != nil || got != want {
		t.Errorf("ExpandRaw = %q, %v; want %q", got, err, want)
	}
}

// TestExpandConcurrent: stages that build at once expand words at once;
// each gets its own word back (a shared Lex once gave a FROM blank).
func TestExpandConcurrent(t *testing.T) {
	f, err := Parse([]byte("FROM busybox\n"), "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := fmt.Sprintf("image-%d:tag", i)
			vars := Vars(nil).Set("N", fmt.Sprint(i))
			for j := 0; j < 500; j++ {
				if got, err := f.Expand("image-${N}:${T:-tag}", vars); err != nil || got != want {
					errs <- fmt.Sprintf("Expand = %q, %v; want %q", got, err, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

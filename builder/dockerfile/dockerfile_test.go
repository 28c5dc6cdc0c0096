package dockerfile

import (
	"strings"
	"testing"
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

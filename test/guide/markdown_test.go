package guide

import (
	"strings"
	"testing"
)

func TestParseGuide(t *testing.T) {
	doc := "# Title\n\n## One\n\ntext\n\n```console\n$ echo a \\\n  b\na b\n$ true\n$ sh -c '\n> echo q'\nq\n```\n\n```sh\n$ not a command\n```\n\n## Two\n```console\n$ echo x\nx\n\n```\n"
	secs, err := parseGuide(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 2 || secs[0].title != "One" || secs[1].title != "Two" {
		t.Fatalf("sections: %+v", secs)
	}
	one := secs[0].steps
	if len(one) != 3 || one[0].command != "echo a \\\n  b" || one[0].line != 8 || len(one[0].want) != 1 ||
		one[1].command != "true" || len(one[1].want) != 0 || one[2].command != "sh -c '\necho q'" || len(one[2].want) != 1 {
		t.Fatalf("section One: %+v", one)
	}
	if two := secs[1].steps; len(two) != 1 || len(two[0].want) != 2 {
		t.Fatalf("section Two: %+v", two)
	}
}

func TestParseGuideErrors(t *testing.T) {
	for _, doc := range []string{
		"```console\n$ true\n```\n",       // before any section
		"## S\n```console\noutput\n```\n", // output with no command
		"## S\n```console\n$ true\n",      // not closed
	} {
		if _, err := parseGuide(strings.NewReader(doc)); err == nil {
			t.Errorf("parseGuide(%q): no error", doc)
		}
	}
}

func TestMatchOutput(t *testing.T) {
	cases := []struct {
		want, got string
		ok        bool
	}{
		{"a\nb", "a\nb\n", true},
		{"a\nb", "a\nc", false},
		{"a", "a\nb", false},
		{"uts:[…]", "uts:[4026531838]", true},
		{"uts:[…]", "net:[4026531838]", false},
		{"first\n…\nlast", "first\nx\ny\nlast", true},
		{"first\n…\nlast", "first\nlast", true},
		{"first\n…\nlast", "first\nx", false},
		{"…", "", true},
		{"id 3f2a9c0b1d4e", "id 0123456789ab", true}, // IDs differ by run
		{"a.b", "axb", false},                        // no regexp in the guide's text
		{"trailing  ", "trailing", true},
	}
	for _, c := range cases {
		if got := matchOutput(strings.Split(c.want, "\n"), strings.Split(c.got, "\n")); got != c.ok {
			t.Errorf("matchOutput(%q, %q) = %v, want %v", c.want, c.got, got, c.ok)
		}
	}
}

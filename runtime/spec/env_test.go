package spec

import (
	"strings"
	"testing"
)

func TestProcessEnv(t *testing.T) {
	home := func() string { return "/root" }
	for _, c := range []struct{ in, want string }{
		{"", "HOME=/root"},
		{"PATH=/bin HOME=/override", "PATH=/bin HOME=/override"},
		{"HOME=", "HOME=/root"},
		{"HOME=/override HOME=", "HOME=/root"},
		{"HOME= PATH=/usr/bin:/bin", "PATH=/usr/bin:/bin HOME=/root"},
		{"ONE=two ONE= PATH=/bin", "ONE= PATH=/bin HOME=/root"},
		{"ONE=two A=1 ONE=three", "A=1 ONE=three HOME=/root"},
		{"A=x=y", "A=x=y HOME=/root"},
	} {
		got := strings.Join(ProcessEnv(strings.Fields(c.in), home), " ")
		if got != c.want {
			t.Errorf("ProcessEnv(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

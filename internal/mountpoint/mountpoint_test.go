package mountpoint

import (
	"path/filepath"
	"testing"
)

func TestIs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		path string
		want bool
	}{
		{"/proc", true}, // proc is its own filesystem under /
		{dir, false},
		{filepath.Join(dir, "missing"), false},
	}
	for _, tt := range tests {
		if got := Is(tt.path); got != tt.want {
			t.Errorf("Is(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/plain", "/plain"},
		{`/a\040b`, "/a b"},
		{`/tab\011x\134y`, "/tab\tx\\y"},
		{`/short\04`, `/short\04`},
		{`/not\999octal`, `/not\999octal`},
	}
	for _, tt := range tests {
		if got := unescape(tt.in); got != tt.want {
			t.Errorf("unescape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUnder(t *testing.T) {
	got, err := Under("/proc")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[0] != "/proc" {
		t.Errorf("Under(/proc) = %v, want /proc first", got)
	}
	if got, err := Under(t.TempDir()); err != nil || len(got) != 0 {
		t.Errorf("Under(an empty dir) = %v, %v", got, err)
	}
}

func TestFullProcSys(t *testing.T) {
	points, err := FullProcSys()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range points {
		seen[p] = true
	}
	if !seen["/proc"] || !seen["/sys"] {
		t.Errorf("FullProcSys() = %q, want /proc and /sys among them", points)
	}
}

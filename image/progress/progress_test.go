package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestHumanSize(t *testing.T) {
	tests := map[int64]string{0: "0B", 512: "512B", 1050: "1.05kB", 12_300_000: "12.3MB", 45_600_000: "45.6MB", 2_000_000_000: "2GB"}
	for n, want := range tests {
		if got := HumanSize(n); got != want {
			t.Errorf("HumanSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestBar(t *testing.T) {
	tests := []struct {
		cur, total int64
		want       string
	}{
		{0, 100, "[>         ]"},
		{50, 100, "[=====>    ]"},
		{100, 100, "[==========]"},
		{150, 100, "[==========]"},
		{1, 0, ""},
	}
	for _, tt := range tests {
		if got := bar(tt.cur, tt.total, 10); got != tt.want {
			t.Errorf("bar(%d, %d) = %q, want %q", tt.cur, tt.total, got, tt.want)
		}
	}
}

func TestPlainPrintsStateChanges(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, Plain)
	b := p.Bar("sha256:0123456789abcdef0123", 10, Waiting)
	b.Set(Downloading)
	b.Add(5)
	b.Set(Downloading)
	b.Set(PullComplete)
	p.Printf("Digest: %s", "x")
	p.Close()
	want := "0123456789ab: Waiting\n0123456789ab: Downloading\n0123456789ab: Pull complete\nDigest: x\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestTTYDrawsBars(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, TTY)
	b := p.Bar("0123456789abcdef", 100, Downloading)
	b.Add(50)
	p.Close()
	if !strings.Contains(out.String(), "0123456789ab: Downloading [=========================>") || !strings.Contains(out.String(), "50B/100B") {
		t.Errorf("no bar in TTY output: %q", out.String())
	}
}

func TestQuietPrintsNothing(t *testing.T) {
	var out bytes.Buffer
	p := New(&out, Quiet)
	p.Bar("abc", 1, Waiting).Set(PullComplete)
	p.Printf("hello")
	p.Close()
	if out.Len() != 0 {
		t.Errorf("quiet output: %q", out.String())
	}
}

package engine

import (
	"testing"
	"time"
)

// TestFilterErrors pins each command's wording of a refused filter now
// that ps, volume ls and prune share internal/filters.
func TestFilterErrors(t *testing.T) {
	ps := func(a []string) error { _, err := parseListFilters(a); return err }
	prune := func(a []string) error { _, err := ParsePruneFilters(a, time.Now()); return err }
	for _, tt := range []struct {
		name  string
		parse func([]string) error
		args  []string
		want  string
	}{
		{"ps ok", ps, []string{"status=running", "name=a", "label=x=y", "ancestor=busybox", "id=ab", "exited=0"}, ""},
		{"ps format", ps, []string{"status"}, "bad format of filter (expected name=value): status"},
		{"ps key", ps, []string{"size=1"}, "invalid filter 'size'"},
		{"ps status", ps, []string{"status=gone"}, "invalid filter 'status=gone': use created, restarting, running, removing, paused, exited or dead"},
		{"ps exited", ps, []string{"exited=x"}, "invalid filter 'exited=x': the exit code must be a number"},
		{"ps first bad wins", ps, []string{"exited=x", "size=1"}, "invalid filter 'exited=x': the exit code must be a number"},
		{"prune ok", prune, []string{"until=1h", "label=a", "label!=b=c"}, ""},
		{"prune format", prune, []string{"until"}, "bad format of filter (expected name=value): until"},
		{"prune key", prune, []string{"dangling=true"}, "invalid filter 'dangling': use until or label"},
		{"prune until", prune, []string{"until=soon"}, "invalid filter 'until=soon': use a duration (10m) or an RFC 3339 time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.args)
			if (tt.want == "") != (err == nil) || (err != nil && err.Error() != tt.want) {
				t.Errorf("%q: error %v; want %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestPruneUntilLastWins(t *testing.T) {
	now := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	f, err := ParsePruneFilters([]string{"until=1h", "until=2h"}, now)
	if err != nil || !f.Until.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("until=1h until=2h: %v, %v; want %v", f.Until, err, now.Add(-2*time.Hour))
	}
}

// TestListLabelsANDed: two label filters both have to match, as Docker's.
func TestListLabelsANDed(t *testing.T) {
	c := &Container{Config: Config{Labels: map[string]string{"p": "x", "s": "web"}}}
	for _, tt := range []struct {
		fs   []string
		want bool
	}{
		{[]string{"label=p=x", "label=s=web"}, true},
		{[]string{"label=p=x", "label=s=client"}, false},
		{[]string{"label=p"}, true},
		{[]string{"name=nomatch", "name=.*", "label=p=x"}, true},
	} {
		match, err := parseListFilters(tt.fs)
		if err != nil {
			t.Fatal(err)
		}
		if got := match(c); got != tt.want {
			t.Errorf("%v: match = %v, want %v", tt.fs, got, tt.want)
		}
	}
}

package containerfilter

import (
	"testing"

	"github.com/berth-containers/berth/engine/record"
)

// TestParseErrors pins ps's wording of a refused filter.
func TestParseErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"ok", []string{"status=running", "name=a", "label=x=y", "ancestor=busybox", "id=ab", "exited=0", "health=none"}, ""},
		{"format", []string{"status"}, "bad format of filter (expected name=value): status"},
		{"key", []string{"size=1"}, "invalid filter 'size'"},
		{"status", []string{"status=gone"}, "invalid filter 'status=gone': use created, restarting, running, removing, paused, exited or dead"},
		{"exited", []string{"exited=x"}, "invalid filter 'exited=x': the exit code must be a number"},
		{"health", []string{"health=sick"}, "Unrecognised filter value for health: sick"},
		{"first bad wins", []string{"exited=x", "size=1"}, "invalid filter 'exited=x': the exit code must be a number"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.args)
			if (tt.want == "") != (err == nil) || (err != nil && err.Error() != tt.want) {
				t.Errorf("%q: error %v; want %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	web := &record.Container{ID: "abc123", Name: "web", Image: "busybox:1.36", ImageID: "sha256:feed",
		Config: record.Config{Labels: map[string]string{"p": "x", "s": "web"}},
		State:  record.State{Status: record.StatusRunning, Health: &record.Health{Status: record.HealthHealthy}}}
	done := &record.Container{ID: "def456", Name: "web-old", Image: "alpine",
		State: record.State{Status: record.StatusExited, ExitCode: 3}}
	for _, tt := range []struct {
		name string
		fs   []string
		c    *record.Container
		want bool
	}{
		{"no filter", nil, web, true},
		{"status", []string{"status=running"}, web, true},
		{"status other", []string{"status=exited"}, web, false},
		{"statuses ORed", []string{"status=exited", "status=running"}, web, true},
		{"exited code", []string{"exited=3"}, done, true},
		{"exited other code", []string{"exited=0"}, done, false},
		{"exited not running", []string{"exited=0"}, web, false},
		{"name part", []string{"name=we"}, web, true},
		{"name anchored", []string{"name=^web$"}, web, true},
		{"name anchored other", []string{"name=^web$"}, done, false},
		{"name with slash", []string{"name=^/web"}, web, true},
		{"name bad regexp", []string{"name=("}, web, false},
		{"id prefix", []string{"id=abc"}, web, true},
		{"id not prefix", []string{"id=123"}, web, false},
		{"labels ANDed", []string{"label=p=x", "label=s=web"}, web, true},
		{"labels ANDed one off", []string{"label=p=x", "label=s=client"}, web, false},
		{"label key", []string{"label=p"}, web, true},
		{"keys ANDed, names ORed", []string{"name=nomatch", "name=.*", "label=p=x"}, web, true},
		{"ancestor name", []string{"ancestor=busybox"}, web, true},
		{"ancestor tag", []string{"ancestor=busybox:1.36"}, web, true},
		{"ancestor id", []string{"ancestor=sha256:fe"}, web, true},
		{"ancestor short id", []string{"ancestor=fee"}, web, true},
		{"ancestor other", []string{"ancestor=busy"}, web, false},
		{"health", []string{"health=healthy"}, web, true},
		{"health none", []string{"health=none"}, done, true},
		{"health none not", []string{"health=none"}, web, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			match, err := Parse(tt.fs)
			if err != nil {
				t.Fatal(err)
			}
			if got := match(tt.c); got != tt.want {
				t.Errorf("%v on %s: match = %v, want %v", tt.fs, tt.c.Name, got, tt.want)
			}
		})
	}
}

func TestShowsAll(t *testing.T) {
	for _, tt := range []struct {
		fs   []string
		want bool
	}{
		{nil, false},
		{[]string{"name=a"}, false},
		{[]string{"status=exited"}, true},
		{[]string{"label=a", "exited=0"}, true},
		{[]string{"statusx=a"}, false},
	} {
		if got := ShowsAll(tt.fs); got != tt.want {
			t.Errorf("ShowsAll(%q) = %v, want %v", tt.fs, got, tt.want)
		}
	}
}

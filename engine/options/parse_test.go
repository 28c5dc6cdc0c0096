package options

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-containers/berth/engine/record"
)

func TestParseCPUs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1e9, true},
		{"0.5", 5e8, true},
		{"2.25", 2.25e9, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"NaN", 0, false},
		{"Inf", 0, false},
		{"one", 0, false},
	} {
		got, err := ParseCPUs(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseCPUs(%q) = %d, %v; want %d ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseRestart(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want record.RestartPolicy
		err  string
	}{
		{"", record.RestartPolicy{Name: "no"}, ""},
		{"no", record.RestartPolicy{Name: "no"}, ""},
		{"always", record.RestartPolicy{Name: "always"}, ""},
		{"unless-stopped", record.RestartPolicy{Name: "unless-stopped"}, ""},
		{"on-failure", record.RestartPolicy{Name: "on-failure"}, ""},
		{"on-failure:3", record.RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}, ""},
		{"on-failure:-1", record.RestartPolicy{}, "non-negative integer"},
		{"on-failure:x", record.RestartPolicy{}, "non-negative integer"},
		{"always:3", record.RestartPolicy{}, "only be used with 'on-failure'"},
		{"sometimes", record.RestartPolicy{}, "use no, always, unless-stopped or on-failure"},
	} {
		got, err := ParseRestart(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseRestart(%q): %v; want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseRestart(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestParseUlimit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want record.Ulimit
		err  string
	}{
		{"nofile=1024", record.Ulimit{Name: "nofile", Soft: 1024, Hard: 1024}, ""},
		{"nofile=512:1024", record.Ulimit{Name: "nofile", Soft: 512, Hard: 1024}, ""},
		{"core=unlimited", record.Ulimit{Name: "core", Soft: -1, Hard: -1}, ""},
		{"core=0:-1", record.Ulimit{Name: "core", Soft: 0, Hard: -1}, ""},
		{"nofile=2048:1024", record.Ulimit{}, "soft limit must be less than or equal to hard limit"},
		{"nofile=-1:1024", record.Ulimit{}, "soft limit must be less than or equal to hard limit"},
		{"nofile", record.Ulimit{}, "use name=soft[:hard]"},
		{"=1", record.Ulimit{}, "use name=soft[:hard]"},
		{"nofile=x", record.Ulimit{}, "use name=soft[:hard]"},
		{"nofile=1:x", record.Ulimit{}, "use name=soft[:hard]"},
	} {
		got, err := ParseUlimit(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseUlimit(%q): %v; want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseUlimit(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	got := MergeEnv([]string{"PATH=/bin", "A=1"}, nil, []string{"B=2", "A=3", "PATH=/usr/bin"})
	want := []string{"PATH=/usr/bin", "A=3", "B=2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("MergeEnv: %q, want %q (later wins, first position kept)", got, want)
	}
	t.Setenv("BERTH_TEST_SET", "v")
	if got := ExpandEnv("BERTH_TEST_SET"); !reflect.DeepEqual(got, []string{"BERTH_TEST_SET=v"}) {
		t.Errorf("ExpandEnv of a set variable: %q", got)
	}
	if got := ExpandEnv("BERTH_TEST_UNSET_X"); got != nil {
		t.Errorf("ExpandEnv of an unset variable: %q, want it dropped", got)
	}
	if got := ExpandEnv("K=v"); !reflect.DeepEqual(got, []string{"K=v"}) {
		t.Errorf("ExpandEnv of K=v: %q", got)
	}
}

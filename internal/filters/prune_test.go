package filters

import (
	"testing"
	"time"
)

func TestParsePrune(t *testing.T) {
	now := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	f, err := ParsePrune([]string{"until=24h", "label=a=b", "label!=tmp"}, now)
	if err != nil {
		t.Fatal(err)
	}
	old := now.Add(-48 * time.Hour)
	for _, tc := range []struct {
		created time.Time
		labels  map[string]string
		want    bool
	}{
		{old, map[string]string{"a": "b"}, true},
		{now, map[string]string{"a": "b"}, false},
		{old, map[string]string{"a": "c"}, false},
		{old, map[string]string{"a": "b", "tmp": ""}, false},
	} {
		if got := f.Match(tc.created, tc.labels); got != tc.want {
			t.Errorf("Match(%v, %v) = %v", tc.created, tc.labels, got)
		}
	}
}

// TestPruneErrors pins the prunes' wording of a refused filter.
func TestPruneErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"ok", []string{"until=1h", "label=a", "label!=b=c"}, ""},
		{"rfc 3339", []string{"until=2024-01-01T00:00:00Z"}, ""},
		{"format", []string{"until"}, "bad format of filter (expected name=value): until"},
		{"key", []string{"dangling=true"}, "invalid filter 'dangling': use until or label"},
		{"until", []string{"until=soon"}, "invalid filter 'until=soon': use a duration (10m) or an RFC 3339 time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePrune(tt.args, time.Now())
			if (tt.want == "") != (err == nil) || (err != nil && err.Error() != tt.want) {
				t.Errorf("%q: error %v; want %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestPruneUntilLastWins(t *testing.T) {
	now := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	f, err := ParsePrune([]string{"until=1h", "until=2h"}, now)
	if err != nil || !f.Until.Equal(now.Add(-2*time.Hour)) {
		t.Errorf("until=1h until=2h: %v, %v; want %v", f.Until, err, now.Add(-2*time.Hour))
	}
}

package engine

import (
	"testing"
	"time"
)

func TestParsePruneFilters(t *testing.T) {
	now := time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)
	f, err := ParsePruneFilters([]string{"until=24h", "label=a=b", "label!=tmp"}, now)
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
		if got := f.match(tc.created, tc.labels); got != tc.want {
			t.Errorf("match(%v, %v) = %v", tc.created, tc.labels, got)
		}
	}
	for _, bad := range []string{"until", "until=soon", "dangling=true"} {
		if _, err := ParsePruneFilters([]string{bad}, now); err == nil {
			t.Errorf("filter %q accepted", bad)
		}
	}
}

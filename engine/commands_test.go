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

func TestPortMapping(t *testing.T) {
	for _, tc := range []struct {
		m    PortMapping
		want string
	}{
		{PortMapping{"80/tcp", PortBinding{"", "8080"}}, "80/tcp -> 0.0.0.0:8080"},
		{PortMapping{"53/udp", PortBinding{"127.0.0.1", "5353"}}, "53/udp -> 127.0.0.1:5353"},
		{PortMapping{"80/tcp", PortBinding{"::", "80"}}, "80/tcp -> [::]:80"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%+v: %q", tc.m, got)
		}
	}
}

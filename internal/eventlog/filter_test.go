package eventlog

import (
	"testing"
	"time"
)

func TestFilterMatch(t *testing.T) {
	start := Event{Type: Container, Action: "start", Actor: Actor{ID: "abcdef0123", Attributes: map[string]string{
		"name": "web", "image": "busybox:latest", "tier": "front"}}}
	exec := Event{Type: Container, Action: "exec_start: sh -c true", Actor: start.Actor}
	pull := Event{Type: Image, Action: "pull", Actor: Actor{ID: "busybox:latest", Attributes: map[string]string{"name": "busybox"}}}
	connect := Event{Type: Network, Action: "connect", Actor: Actor{ID: "net0123", Attributes: map[string]string{
		"name": "front", "container": "abcdef0123", "type": "bridge"}}}
	for _, tc := range []struct {
		name string
		f    Filter
		ev   Event
		want bool
	}{
		{"none", Filter{}, start, true},
		{"container by name", Filter{"container": {"web"}}, start, true},
		{"container by id prefix", Filter{"container": {"abc"}}, start, true},
		{"container OR", Filter{"container": {"db", "web"}}, start, true},
		{"container other", Filter{"container": {"db"}}, start, false},
		{"container leaves out networks", Filter{"container": {"abc"}}, connect, false},
		{"event", Filter{"event": {"start"}}, start, true},
		{"event other", Filter{"event": {"stop"}}, start, false},
		{"exec_start by prefix", Filter{"event": {"exec_start"}}, exec, true},
		{"type AND event", Filter{"type": {"container"}, "event": {"pull"}}, pull, false},
		{"type image", Filter{"type": {"image"}}, pull, true},
		{"image untagged", Filter{"image": {"busybox"}}, start, true},
		{"image event by name", Filter{"image": {"busybox"}}, pull, true},
		{"image other", Filter{"image": {"alpine"}}, start, false},
		{"label present", Filter{"label": {"tier"}}, start, true},
		{"labels AND", Filter{"label": {"tier=front", "x"}}, start, false},
		{"label value", Filter{"label": {"tier=back"}}, start, false},
		{"network", Filter{"network": {"front"}}, connect, true},
		{"volume on container", Filter{"volume": {"v"}}, start, false},
		{"daemon never", Filter{"daemon": {"x"}}, start, false},
		{"scope local", Filter{"scope": {"local"}}, start, true},
		{"scope swarm", Filter{"scope": {"swarm"}}, start, false},
	} {
		if got := tc.f.Match(tc.ev); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}

func TestParseTime(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "10m", want: now.Add(-10 * time.Minute)},
		{in: "1700000000", want: time.Unix(1700000000, 0)},
		{in: "1700000000.5", want: time.Unix(1700000000, 500000000)},
		{in: "2026-01-02T03:00:00Z", want: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)},
		{in: "2026-01-02T03:00:00.25Z", want: time.Date(2026, 1, 2, 3, 0, 0, 250000000, time.UTC)},
		{in: "2026-01-02T04:00:00+01:00", want: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)},
		{in: "2026-01-02T03:00", want: time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)},
		{in: "2026-01-02", want: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "yesterday", bad: true},
		{in: "2026-13-02", bad: true},
		{in: "12abc", bad: true},
	} {
		got, err := ParseTime(tc.in, now)
		if tc.bad != (err != nil) || (!tc.bad && !got.Equal(tc.want)) {
			t.Errorf("%s: got %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

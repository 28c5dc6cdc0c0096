package eventlog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/internal/filters"
)

// FilterKeys are the --filter keys Docker's events accepts. berth has no
// daemon, plugin, service, node, secret or config events, so those keys
// match nothing, as Docker's would on a host without them.
var FilterKeys = []string{"config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret", "service", "type", "volume"}

// Filter is parsed --filter arguments: values of one key are ORed, keys
// ANDed (labels ANDed too), as dockerd's events filter.
type Filter filters.Args

// Match tells whether ev passes f.
func (f Filter) Match(ev Event) bool {
	a := ev.Actor.Attributes
	for _, k := range []string{"daemon", "plugin", "service", "node", "secret", "config"} {
		if len(f[k]) > 0 {
			return false
		}
	}
	return f.matchEvent(ev.Action) &&
		f.exact("type", ev.Type) &&
		f.exact("scope", "local") &&
		f.fuzzyName("container", ev) && f.fuzzyName("volume", ev) && f.fuzzyName("network", ev) &&
		f.matchImage(ev) &&
		f.matchLabels(a)
}

func (f Filter) exact(key string, vs ...string) bool {
	if len(f[key]) == 0 {
		return true
	}
	for _, want := range f[key] {
		for _, v := range vs {
			if v == want {
				return true
			}
		}
	}
	return false
}

// fuzzy is dockerd's FuzzyMatch: a value equal to or a prefix of v.
func (f Filter) fuzzy(key string, vs ...string) bool {
	if len(f[key]) == 0 {
		return true
	}
	for _, want := range f[key] {
		for _, v := range vs {
			if strings.HasPrefix(v, want) {
				return true
			}
		}
	}
	return false
}

// fuzzyName matches the actor's ID or name attribute, whatever the
// event's type: a container filter leaves out network events, as Docker's.
func (f Filter) fuzzyName(key string, ev Event) bool {
	return f.fuzzy(key, ev.Actor.ID, ev.Actor.Attributes["name"])
}

// matchEvent: exec_create, exec_start and health_status carry the command
// or status after a colon, so those names match as prefixes.
func (f Filter) matchEvent(action string) bool {
	for _, v := range f["event"] {
		if v == "exec_create" || v == "exec_start" || v == "health_status" {
			return f.fuzzy("event", action)
		}
	}
	return f.exact("event", action)
}

func (f Filter) matchImage(ev Event) bool {
	name := ev.Actor.Attributes["image"]
	if ev.Type == Image {
		name = ev.Actor.Attributes["name"]
	}
	return f.exact("image", ev.Actor.ID, name, stripTag(ev.Actor.ID), stripTag(name))
}

func stripTag(ref string) string {
	if i := strings.LastIndexAny(ref, ":/"); i >= 0 && ref[i] == ':' {
		return ref[:i]
	}
	return ref
}

func (f Filter) matchLabels(attrs map[string]string) bool {
	for _, l := range f["label"] {
		if !filters.MatchLabel(attrs, l) {
			return false
		}
	}
	return true
}

// ParseTime reads a --since or --until value as Docker's CLI does: a
// duration before now (10m), an RFC 3339 time or date, with or without a
// zone (local time without), or unix seconds with an optional fraction.
func ParseTime(value string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(value); value != "0" && err == nil {
		return time.Unix(now.Add(-d).Unix(), 0), nil
	}
	inLocal := !(strings.ContainsAny(value, "zZ+") || strings.Count(value, "-") == 3)
	var layout string
	switch {
	case strings.Contains(value, "."):
		layout = time.RFC3339Nano
		if inLocal {
			layout = "2006-01-02T15:04:05.999999999"
		}
	case strings.Contains(value, "T"):
		colons := strings.Count(value, ":")
		if !inLocal && !strings.ContainsAny(value, "zZ") && colons > 0 {
			colons-- // the zone's offset has one
		}
		layout = [][]string{{"2006-01-02T15Z07:00", "2006-01-02T15:04Z07:00", time.RFC3339},
			{"2006-01-02T15", "2006-01-02T15:04", "2006-01-02T15:04:05"}}[b2i(inLocal)][min(colons, 2)]
	case inLocal:
		layout = "2006-01-02"
	default:
		layout = "2006-01-02Z07:00"
	}
	var t time.Time
	var err error
	if inLocal {
		t, err = time.ParseInLocation(layout, value, time.FixedZone(now.Zone()))
	} else {
		t, err = time.Parse(layout, value)
	}
	if err == nil {
		return t, nil
	}
	if strings.Contains(value, "-") {
		return time.Time{}, err
	}
	if t, ok := unixTime(value); ok {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("failed to parse value as time or duration: %q", value)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// unixTime reads "seconds[.fraction]".
func unixTime(v string) (time.Time, bool) {
	sec, frac, hasFrac := strings.Cut(v, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	var n int64
	if hasFrac {
		if n, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, false
		}
		n = int64(float64(n) * math.Pow10(9-len(frac)))
	}
	return time.Unix(s, n), true
}

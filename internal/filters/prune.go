package filters

import (
	"fmt"
	"time"
)

// Prune is the prunes' --filter (container, volume and system prune):
// until=<time> and label=<k>[=<v>] (or label!=...), as Docker reads them.
type Prune struct {
	Until  time.Time
	Labels []string
	NotLab []string
}

// ParsePrune reads --filter values; now is the time "until" counts back
// from.
func ParsePrune(fs []string, now time.Time) (Prune, error) {
	var f Prune
	args, err := Set{
		Keys: []string{"until", "label", "label!"},
		Check: func(k, v string) error {
			if k != "until" {
				return nil
			}
			t, err := parseUntil(v, now)
			f.Until = t // a later until overrides an earlier one
			return err
		},
		Key: func(_, k string) error { return fmt.Errorf("invalid filter '%s': use until or label", k) },
	}.Parse(fs)
	if err != nil {
		return Prune{}, err
	}
	f.Labels, f.NotLab = args["label"], args["label!"]
	return f, nil
}

// parseUntil reads until=: a duration back from now or an RFC 3339 time.
func parseUntil(v string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(v); err == nil {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, fmt.Errorf("invalid filter 'until=%s': use a duration (10m) or an RFC 3339 time", v)
	}
	return t, nil
}

// Match reports whether an object created then with these labels is one
// the prune may remove.
func (f Prune) Match(created time.Time, labels map[string]string) bool {
	if !f.Until.IsZero() && !created.Before(f.Until) {
		return false
	}
	for _, l := range f.Labels {
		if !MatchLabel(labels, l) {
			return false
		}
	}
	for _, l := range f.NotLab {
		if MatchLabel(labels, l) {
			return false
		}
	}
	return true
}

// Package filters reads Docker's --filter key=value arguments: the one
// parser behind ps, images, volume ls, network ls and the prunes. Each
// command names the keys it accepts and how it words a refusal; what a
// key matches stays the command's, but for the prunes' until and label
// (Prune), which container, volume and system prune share.
package filters

import (
	"fmt"
	"slices"
	"strings"
)

// Args are the filter values by key, each key's in the order given.
type Args map[string][]string

// Last is the key's last value, or "" and false: for keys where a later
// filter overrides an earlier one (prune's until, images' dangling).
func (a Args) Last(key string) (string, bool) {
	vs := a[key]
	if len(vs) == 0 {
		return "", false
	}
	return vs[len(vs)-1], true
}

// Set is one command's filters.
type Set struct {
	Keys []string
	// Check, if set, refuses a bad value of an accepted key; it runs in
	// argument order, so the first bad argument is the one reported.
	Check func(key, value string) error
	// Format words an argument with no "=", Key one whose key is not in
	// Keys; nil means Docker's wording.
	Format func(arg string) error
	Key    func(arg, key string) error
}

// Parse reads the arguments of --filter.
func (s Set) Parse(args []string) (Args, error) {
	out := Args{}
	for _, arg := range args {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			if s.Format != nil {
				return nil, s.Format(arg)
			}
			return nil, fmt.Errorf("bad format of filter (expected name=value): %s", arg)
		}
		if !slices.Contains(s.Keys, k) {
			if s.Key != nil {
				return nil, s.Key(arg, k)
			}
			return nil, fmt.Errorf("invalid filter '%s'", k)
		}
		if s.Check != nil {
			if err := s.Check(k, v); err != nil {
				return nil, err
			}
		}
		out[k] = append(out[k], v)
	}
	return out, nil
}

// MatchLabel tells whether labels satisfy a label filter: "key" (present)
// or "key=value" (present with that value).
func MatchLabel(labels map[string]string, filter string) bool {
	k, v, hasValue := strings.Cut(filter, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}

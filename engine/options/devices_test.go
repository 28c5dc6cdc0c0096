package options

import (
	"strconv"
	"strings"
	"testing"
)

func TestParseDeviceCgroupRule(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // type major minor access, * for nil
		err  bool
	}{
		{"c 1:3 rwm", "c 1 3 rwm", false},
		{"b *:* r", "b * * r", false},
		{"a 7:* m", "a 7 * m", false},
		{"x 1:3 rwm", "", true},
		{"c 1:3 rwx", "", true},
		{"c 1-3 rw", "", true},
		{"c -1:3 rw", "", true},
		{"c 1:3", "", true},
	} {
		r, err := ParseDeviceCgroupRule(tc.in)
		if tc.err != (err != nil) {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if err != nil {
			continue
		}
		num := func(p *int64) string {
			if p == nil {
				return "*"
			}
			return strconv.FormatInt(*p, 10)
		}
		if got := strings.Join([]string{r.Type, num(r.Major), num(r.Minor), r.Access}, " "); got != tc.want || !r.Allow {
			t.Errorf("%q: %s, want %s", tc.in, got, tc.want)
		}
	}
}

func ptr(n int64) *int64 { return &n }

package execspec

import (
	"reflect"
	"testing"
)

func TestParseCgroups(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want map[string]string
		err  bool
	}{
		{in: nil, want: nil},
		{in: []string{"sub"}, want: map[string]string{"": "sub"}},
		{in: []string{"cpu,cpuacct:a/b", "memory:m"}, want: map[string]string{"cpu": "a/b", "cpuacct": "a/b", "memory": "m"}},
		{in: []string{"memory:"}, err: true},
		{in: []string{"memory:a", "memory:b"}, err: true},
	} {
		got, err := ParseCgroups(tc.in)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseCgroups(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
}

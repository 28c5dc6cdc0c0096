package initproc

import "testing"

func TestParseCPUs(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  bool
	}{
		{in: "0", want: []int{0}},
		{in: "0-2,5", want: []int{0, 1, 2, 5}},
		{in: " 3 ", want: []int{3}},
		{in: "2-1", err: true},
		{in: "x", err: true},
		{in: "", err: true},
		{in: "1024", err: true},
	} {
		set, err := ParseCPUs(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseCPUs(%q): error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if tc.err {
			continue
		}
		if set.Count() != len(tc.want) {
			t.Errorf("ParseCPUs(%q): %d CPUs, want %v", tc.in, set.Count(), tc.want)
		}
		for _, c := range tc.want {
			if !set.IsSet(c) {
				t.Errorf("ParseCPUs(%q): CPU %d not set", tc.in, c)
			}
		}
	}
}

package options

import "testing"

func TestParseCpuset(t *testing.T) {
	for in, want := range map[string]int{"0": 1, "0-3": 4, "0,2-3": 3, "1-0": -1, "a": -1, "": -1, "-1": -1} {
		got, ok := ParseCpuset(in)
		if (want < 0) == ok || (ok && len(got) != want) {
			t.Errorf("ParseCpuset(%q) = %v, %v", in, got, ok)
		}
	}
}

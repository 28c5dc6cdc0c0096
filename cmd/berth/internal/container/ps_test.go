package container

import "testing"

func TestCommandColumn(t *testing.T) {
	for _, tc := range []struct {
		argv    []string
		noTrunc bool
		want    string
	}{
		{[]string{"sleep", "10"}, false, `"sleep 10"`},
		{[]string{"sh", "-c", "sleep 1000"}, false, `"sh -c 'sleep 1000'"`},
		{[]string{"sh", "-c", "sleep 1000 & wait"}, false, `"sh -c 'sleep 1000 &…"`},
		{[]string{"sh", "-c", "sleep 1000 & wait"}, true, `"sh -c 'sleep 1000 & wait'"`},
		{[]string{"echo", ""}, false, `"echo ''"`},
		{[]string{"echo", `a"b`}, false, `"echo a\"b"`},
	} {
		if got := CommandColumn(tc.argv, tc.noTrunc); got != tc.want {
			t.Errorf("%q: %s, want %s", tc.argv, got, tc.want)
		}
	}
}

package maskpaths

import (
	"reflect"
	"testing"
)

func TestUnique(t *testing.T) {
	for _, tc := range []struct {
		in, want []string
	}{
		{nil, []string{}},
		{[]string{"/proc/kcore"}, []string{"/proc/kcore"}},
		{[]string{"/proc/kcore", "/proc/keys", "/proc/kcore"}, []string{"/proc/kcore", "/proc/keys"}},
		{[]string{"/sys/firmware/", "/sys//firmware", "/sys/firmware/."}, []string{"/sys/firmware"}},
		{[]string{"/b", "/a", "/b"}, []string{"/b", "/a"}},
	} {
		if got := Unique(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Unique(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

package fsops

import "testing"

func TestEntryName(t *testing.T) {
	for _, tc := range []struct {
		name   string
		rename [2]string
		want   string
		ok     bool
	}{
		{"a/b", [2]string{}, "a/b", true},
		{"/a/../b", [2]string{}, "b", true},
		{"../etc/passwd", [2]string{}, "", false},
		{"a/../../x", [2]string{}, "", false},
		{"src/f", [2]string{"src", "dst"}, "dst/f", true},
		{"src", [2]string{"src", "dst"}, "dst", true},
		{"srcx/f", [2]string{"src", "dst"}, "srcx/f", true},
	} {
		got, ok := entryName(tc.name, tc.rename)
		if ok != tc.ok || got != tc.want {
			t.Errorf("entryName(%q, %v) = %q, %v", tc.name, tc.rename, got, ok)
		}
	}
}

package userns

import "testing"

func TestIsNested(t *testing.T) {
	for _, c := range []struct {
		uidMap string
		want   bool
	}{
		{"         0          0 4294967295\n", false},
		{"         0       1001          1\n         1     100000      65536\n", true},
		{"0 0 65536\n", true},
	} {
		if got := isNested(c.uidMap); got != c.want {
			t.Errorf("isNested(%q) = %v, want %v", c.uidMap, got, c.want)
		}
	}
}

func TestIsOverlayXattr(t *testing.T) {
	for name, want := range map[string]bool{
		"trusted.overlay.opaque":   true,
		"user.overlay.redirect":    true,
		"user.mime_type":           false,
		"trusted.other":            false,
		"security.capability":      false,
		"user.overlayfoo.whatever": false,
	} {
		if got := IsOverlayXattr(name); got != want {
			t.Errorf("IsOverlayXattr(%q) = %v, want %v", name, got, want)
		}
	}
}

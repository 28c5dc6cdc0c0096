package netdev

import (
	"strings"
	"testing"
)

// TestValidName: a device name is what the kernel takes: under IFNAMSIZ
// (16) bytes, no '/', ':' or white space, not "." or "..".
func TestValidName(t *testing.T) {
	for name, want := range map[string]bool{
		"eth0":                  true,
		"dummy-1.x":             true,
		strings.Repeat("a", 15): true,
		strings.Repeat("a", 16): false,
		".":                     false,
		"..":                    false,
		"a/b":                   false,
		"a:1":                   false,
		"a b":                   false,
		"a\tb":                  false,
	} {
		if got := validName(name); got != want {
			t.Errorf("validName(%q) = %v, want %v", name, got, want)
		}
	}
}

package mountpoint

import (
	"path/filepath"
	"testing"
)

func TestIs(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		path string
		want bool
	}{
		{"/proc", true}, // proc is its own filesystem under /
		{dir, false},
		{filepath.Join(dir, "missing"), false},
	}
	for _, tt := range tests {
		if got := Is(tt.path); got != tt.want {
			t.Errorf("Is(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

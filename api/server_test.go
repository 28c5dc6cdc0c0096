package api

import (
	"testing"
)

func TestCheckVersion(t *testing.T) {
	for v, ok := range map[string]bool{"1.24": true, "1.41": true, "1.44": true, "1.45": false, "1.9": false, "1.100": false, "2.0": false} {
		if err := checkVersion(v); (err == nil) != ok {
			t.Errorf("checkVersion(%s) = %v, want ok %v", v, err, ok)
		}
	}
}

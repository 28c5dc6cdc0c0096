package benchenv

import (
	"os"
	"strings"
	"testing"
)

func TestSetup(t *testing.T) {
	dir, err := Setup("benchenv-test-")
	if os.Geteuid() != 0 {
		if err == nil || !strings.Contains(err.Error(), "run as root") {
			t.Fatalf("Setup as non-root = %q, %v; want the run-as-root error", dir, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() || !strings.HasPrefix(dir, "/tmp/benchenv-test-") {
		t.Fatalf("Setup made %q (%v)", dir, err)
	}
}

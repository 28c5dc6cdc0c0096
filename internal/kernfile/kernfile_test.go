package kernfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	// A value the host already has, so the write changes nothing.
	const p = "/proc/sys/net/ipv4/ip_forward"
	cur, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte(strings.TrimSpace(string(cur)))); err != nil {
		t.Errorf("Write(%s): %v", p, err)
	}
	// Kernel files exist: a missing one is an error, never created.
	missing := filepath.Join(t.TempDir(), "nope")
	if err := Write(missing, []byte("1")); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("Write(%s) = %v; want an error naming it", missing, err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("Write created %s", missing)
	}
}

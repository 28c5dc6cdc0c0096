package testutil

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// CgroupFile reads a file of the container's cgroup in whichever
// hierarchy holds it (v1 /sys/fs/cgroup/<ctrl>/berth/<id>, v2 /sys/fs/cgroup/berth/<id>).
func CgroupFile(t testing.TB, id, ctrl, v1, v2 string) string {
	t.Helper()
	for _, p := range []string{filepath.Join("/sys/fs/cgroup", ctrl, "berth", id, v1), filepath.Join("/sys/fs/cgroup/berth", id, v2)} {
		if b, err := os.ReadFile(p); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return "<missing>"
}

// CgroupWant is a value a file of the container's cgroup must start with.
type CgroupWant struct{ Ctrl, V1, V2, Want string }

// CheckCgroupFiles reads each file; cpu.weight (v2) holds shares converted,
// so it is not compared.
func CheckCgroupFiles(t testing.TB, id, when string, files []CgroupWant) {
	t.Helper()
	for _, f := range files {
		if got := CgroupFile(t, id, f.Ctrl, f.V1, f.V2); !strings.HasPrefix(got, f.Want) && f.V2 != "cpu.weight" {
			t.Errorf("%s after %s: %q, want %q", f.V1, when, got, f.Want)
		}
	}
}

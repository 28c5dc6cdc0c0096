package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildStatic builds src, a Go main package using only the standard
// library, into a static binary (no cgo) for a container's rootfs, and
// returns its path in a temp dir.
func BuildStatic(t testing.TB, name, src string) string {
	t.Helper()
	dir := t.TempDir()
	file := filepath.Join(dir, name+".go")
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, file)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GO111MODULE=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, b)
	}
	return out
}

package busyboxfs

import (
	"os"
	"path/filepath"
	"testing"
)

func TestBuild(t *testing.T) {
	dir := t.TempDir()
	if err := Build(dir, ""); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"bin/sh", "bin/ls", "bin/busybox", "etc/passwd", "proc", "dev"} {
		if _, err := os.Lstat(filepath.Join(dir, p)); err != nil {
			t.Errorf("missing %s: %v", p, err)
		}
	}
	target, err := os.Readlink(filepath.Join(dir, "bin/sh"))
	if err != nil || target != "busybox" {
		t.Errorf("bin/sh -> %q, %v; want busybox", target, err)
	}
}

func TestBuildMissingBinary(t *testing.T) {
	if err := Build(t.TempDir(), "/nonexistent/busybox"); err == nil {
		t.Fatal("Build with a missing busybox succeeded")
	}
}

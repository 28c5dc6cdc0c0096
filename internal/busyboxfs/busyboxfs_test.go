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

// TestBuildTwice: a second Build over the same directory succeeds and
// leaves the same tree, as hack/mkbundle run twice on one DIR needs.
func TestBuildTwice(t *testing.T) {
	dir := t.TempDir()
	for i := range 2 {
		if err := Build(dir, ""); err != nil {
			t.Fatalf("build %d: %v", i+1, err)
		}
	}
	want, err := os.ReadFile(DefaultBinary)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "bin/busybox"))
	if err != nil || len(got) != len(want) {
		t.Fatalf("bin/busybox after two builds: %d bytes, %v; want %d", len(got), err, len(want))
	}
}

func TestBuildMissingBinary(t *testing.T) {
	if err := Build(t.TempDir(), "/nonexistent/busybox"); err == nil {
		t.Fatal("Build with a missing busybox succeeded")
	}
}

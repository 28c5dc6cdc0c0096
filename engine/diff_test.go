package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestOverlayChanges builds an upper dir over one lower layer by hand, as
// overlayfs leaves it, and reads the changes back.
func TestOverlayChanges(t *testing.T) {
	lower, upper := t.TempDir(), t.TempDir()
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"etc", "bin", "var/log", "same"} {
		must(os.MkdirAll(filepath.Join(lower, d), 0o755))
	}
	for _, f := range []string{"etc/passwd", "bin/ls", "var/log/x"} {
		must(os.WriteFile(filepath.Join(lower, f), []byte("x"), 0o644))
	}
	// Upper: same's copy-up keeps lower's mode and time (no change); etc
	// has a changed passwd and a new file; bin has a whiteout; var/log a
	// new file below an unchanged var.
	for _, d := range []string{"same", "etc", "bin", "var/log"} {
		must(os.MkdirAll(filepath.Join(upper, d), 0o755))
	}
	must(os.WriteFile(filepath.Join(upper, "etc/passwd"), []byte("xy"), 0o644))
	must(os.WriteFile(filepath.Join(upper, "etc/new"), nil, 0o644))
	must(os.WriteFile(filepath.Join(upper, "var/log/y"), nil, 0o644))
	if err := unix.Mknod(filepath.Join(upper, "bin/ls"), unix.S_IFCHR, 0); err != nil {
		t.Fatalf("whiteout: %v", err)
	}
	for _, d := range []string{"same", "var"} {
		for _, root := range []string{lower, upper} {
			must(os.Chtimes(filepath.Join(root, d), old, old))
		}
	}
	got, err := overlayChanges(upper, []string{lower}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{{"C", "/bin"}, {"D", "/bin/ls"}, {"C", "/etc"}, {"A", "/etc/new"}, {"C", "/etc/passwd"},
		{"C", "/var/log"}, {"A", "/var/log/y"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d: %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}

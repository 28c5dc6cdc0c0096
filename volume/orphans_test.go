package volume

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRemoveOrphans: a volume dir with no record (a killed create) goes;
// a recorded volume and its data stay.
func TestRemoveOrphans(t *testing.T) {
	root := t.TempDir()
	s := New(root)
	v, err := s.Create("kept", nil, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(v.Mountpoint, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(root, "volumes", "killed", "_data")
	if err := os.MkdirAll(orphan, 0o700); err != nil {
		t.Fatal(err)
	}
	removed, err := s.RemoveOrphans()
	if err != nil || !slices.Equal(removed, []string{"killed"}) {
		t.Fatalf("RemoveOrphans = %v, %v; want [killed]", removed, err)
	}
	if _, err := os.Stat(filepath.Dir(orphan)); !os.IsNotExist(err) {
		t.Errorf("orphan dir still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(v.Mountpoint, "f")); err != nil {
		t.Errorf("the recorded volume's data: %v", err)
	}
}

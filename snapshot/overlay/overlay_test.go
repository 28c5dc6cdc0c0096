package overlay

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/snapshot/testsuite"
)

func TestOverlaySuite(t *testing.T) {
	testsuite.Run(t, func(t *testing.T, root string) snapshot.Snapshotter {
		sn, err := New(root)
		if err != nil {
			t.Fatal(err)
		}
		return sn
	})
}

// TestNewRemovesOrphans: directories a crashed process left (one with no
// record, one half-removed) are gone after the next New; live ones stay.
func TestNewRemovesOrphans(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, as the snapshotter does")
	}
	root := t.TempDir()
	sn, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sn.Prepare(t.Context(), "live", "", nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"snapshots/999/fs", "snapshots/rm-7/fs/x"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := New(root); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "1" {
		t.Errorf("snapshot dirs after New = %v, want only the live one", entries)
	}
	if _, err := sn.Mounts(t.Context(), "live"); err != nil {
		t.Errorf("live snapshot lost: %v", err)
	}
}

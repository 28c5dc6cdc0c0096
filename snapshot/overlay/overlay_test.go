package overlay

import (
	"os"
	"path/filepath"
	"reflect"
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

// ReadOnlyMounts gives what a view of the snapshot would, for one layer
// and for several, writes no record, and refuses what is not committed.
func TestReadOnlyMounts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, as the snapshotter does")
	}
	sn, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	parent := ""
	for _, name := range []string{"l1", "l2"} {
		if _, err := sn.Prepare(ctx, "a-"+name, parent, nil); err != nil {
			t.Fatal(err)
		}
		if err := sn.Commit(ctx, name, "a-"+name, nil); err != nil {
			t.Fatal(err)
		}
		parent = name
		view, err := sn.View(ctx, "v-"+name, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := sn.ReadOnlyMounts(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, view) {
			t.Errorf("ReadOnlyMounts(%s) = %+v; a view mounts %+v", name, got, view)
		}
		if err := sn.Remove(ctx, "v-"+name); err != nil {
			t.Fatal(err)
		}
	}
	n := 0
	if err := sn.Walk(ctx, func(snapshot.Info) error { n++; return nil }); err != nil || n != 2 {
		t.Errorf("%d snapshots after the read-only mounts (%v), want the 2 committed", n, err)
	}
	if _, err := sn.Prepare(ctx, "active", "l2", nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"active", "nosuch"} {
		if _, err := sn.ReadOnlyMounts(ctx, name); err == nil {
			t.Errorf("ReadOnlyMounts(%s) succeeded", name)
		}
	}
}

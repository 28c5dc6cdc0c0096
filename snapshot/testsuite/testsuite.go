// Package testsuite is the conformance suite every snapshot.Snapshotter
// must pass, modelled on containerd's SnapshotterSuite. It mounts for real,
// so it runs as root on a kernel with the snapshotter's filesystem.
package testsuite

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/berth-containers/berth/snapshot"
)

// Run runs the suite. newSnapshotter opens a snapshotter at root; the suite
// calls it twice on one root to play two processes sharing it.
func Run(t *testing.T, newSnapshotter func(t *testing.T, root string) snapshot.Snapshotter) {
	if os.Geteuid() != 0 {
		t.Skip("snapshotter suite needs root to mount")
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Basic", testBasic},
		{"StatWalk", testStatWalk},
		{"Errors", testErrors},
		{"RemoveRules", testRemoveRules},
		{"LayerVisibility", testLayerVisibility},
		{"ViewReadOnly", testViewReadOnly},
		{"Chain128", testChain128},
		{"ConcurrentPrepare", testConcurrentPrepare},
		{"CommitRace", testCommitRace},
		{"Usage", testUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newFixture(t, newSnapshotter)) })
	}
}

// testBasic: prepare, write, commit, prepare on it, see the files.
func testBasic(t *testing.T, f *fixture) {
	f.commitLayer(t, "base", "", change{write: map[string]string{"a": "1", "d/b": "2"}})
	mounts, err := f.sn.Prepare(f.ctx, "top", "base", nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.sn.Mounts(f.ctx, "top")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again) != fmt.Sprint(mounts) {
		t.Errorf("Mounts = %v, Prepare gave %v", again, mounts)
	}
	dir, _ := mount(t, mounts)
	checkTree(t, dir, map[string]string{"a": "1", "d/b": "2"}, nil)
	apply(t, dir, change{write: map[string]string{"c": "3"}})
	checkTree(t, dir, map[string]string{"c": "3"}, nil)
}

func testStatWalk(t *testing.T, f *fixture) {
	f.commitLayer(t, "base", "", change{write: map[string]string{"a": "1"}})
	labels := map[string]string{"berth.test": "yes"}
	if _, err := f.sn.Prepare(f.ctx, "active", "base", labels); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sn.View(f.ctx, "view", "base", nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]snapshot.Info{
		"base":   {Name: "base", Kind: snapshot.KindCommitted},
		"active": {Name: "active", Parent: "base", Kind: snapshot.KindActive, Labels: labels},
		"view":   {Name: "view", Parent: "base", Kind: snapshot.KindView},
	}
	for key, w := range want {
		got := mustStat(t, f, key)
		if got.Name != w.Name || got.Parent != w.Parent || got.Kind != w.Kind || fmt.Sprint(got.Labels) != fmt.Sprint(w.Labels) {
			t.Errorf("stat %s = %+v, want %+v", key, got, w)
		}
		if got.Created.IsZero() || got.Updated.Before(got.Created) {
			t.Errorf("stat %s: times created %v updated %v", key, got.Created, got.Updated)
		}
	}
	var names []string
	if err := f.sn.Walk(f.ctx, func(i snapshot.Info) error { names = append(names, i.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if fmt.Sprint(names) != "[active base view]" {
		t.Errorf("walk = %v", names)
	}
	stop := errors.New("stop")
	if err := f.sn.Walk(f.ctx, func(snapshot.Info) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("walk did not return fn's error: %v", err)
	}
}

func testErrors(t *testing.T, f *fixture) {
	f.commitLayer(t, "base", "", change{write: map[string]string{"a": "1"}})
	if _, err := f.sn.Prepare(f.ctx, "active", "base", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sn.View(f.ctx, "view", "base", nil); err != nil {
		t.Fatal(err)
	}
	_, err := f.sn.Prepare(f.ctx, "active", "base", nil)
	wantErr(t, "prepare of an existing key", err, snapshot.ErrExists)
	_, err = f.sn.Prepare(f.ctx, "base", "", nil)
	wantErr(t, "prepare under a committed name", err, snapshot.ErrExists)
	_, err = f.sn.Prepare(f.ctx, "x", "missing", nil)
	wantErr(t, "prepare on a missing parent", err, snapshot.ErrNotFound)
	_, err = f.sn.Prepare(f.ctx, "x", "active", nil)
	wantErr(t, "prepare on an active parent", err, snapshot.ErrInvalid)
	_, err = f.sn.Stat(f.ctx, "missing")
	wantErr(t, "stat of a missing key", err, snapshot.ErrNotFound)
	_, err = f.sn.Mounts(f.ctx, "missing")
	wantErr(t, "mounts of a missing key", err, snapshot.ErrNotFound)
	wantErr(t, "commit of a missing key", f.sn.Commit(f.ctx, "n", "missing", nil), snapshot.ErrNotFound)
	wantErr(t, "commit of a view", f.sn.Commit(f.ctx, "n", "view", nil), snapshot.ErrInvalid)
	wantErr(t, "commit under an existing name", f.sn.Commit(f.ctx, "base", "active", nil), snapshot.ErrExists)
	if info := mustStat(t, f, "active"); info.Kind != snapshot.KindActive {
		t.Errorf("failed commit changed the active snapshot: %+v", info)
	}
	// Commit consumes the active key.
	if err := f.sn.Commit(f.ctx, "top", "active", nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.sn.Stat(f.ctx, "active")
	wantErr(t, "stat of a committed active key", err, snapshot.ErrNotFound)
	wantErr(t, "commit of a committed one", f.sn.Commit(f.ctx, "again", "top", nil), snapshot.ErrInvalid)
}

func testRemoveRules(t *testing.T, f *fixture) {
	f.commitLayer(t, "base", "", change{write: map[string]string{"a": "1"}})
	f.commitLayer(t, "mid", "base", change{write: map[string]string{"b": "2"}})
	if _, err := f.sn.Prepare(f.ctx, "leaf", "mid", nil); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "remove of a parent", f.sn.Remove(f.ctx, "mid"), snapshot.ErrInUse)
	wantErr(t, "remove of a grandparent", f.sn.Remove(f.ctx, "base"), snapshot.ErrInUse)
	wantErr(t, "remove of a missing key", f.sn.Remove(f.ctx, "missing"), snapshot.ErrNotFound)
	for _, key := range []string{"leaf", "mid", "base"} {
		if err := f.sn.Remove(f.ctx, key); err != nil {
			t.Fatalf("remove %s leaf first: %v", key, err)
		}
		_, err := f.sn.Stat(f.ctx, key)
		wantErr(t, "stat after remove", err, snapshot.ErrNotFound)
	}
	n := 0
	if err := f.sn.Walk(f.ctx, func(snapshot.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("walk after removing all found %d snapshots", n)
	}
}

// testLayerVisibility: files flow up through layers; deletions (whiteouts)
// and a dir replaced by a new one (opaque) hide what is below.
func testLayerVisibility(t *testing.T, f *fixture) {
	f.commitLayer(t, "l1", "", change{write: map[string]string{
		"keep": "1", "gone": "1", "opq/old": "1", "opq/sub/old": "1", "plain/old": "1",
	}})
	f.commitLayer(t, "l2", "l1", change{
		remove: []string{"gone", "opq"},
		write:  map[string]string{"opq/new": "2", "plain/new": "2", "keep": "2"},
	})
	f.commitLayer(t, "l3", "l2", change{write: map[string]string{"top": "3"}})
	mounts, err := f.sn.View(f.ctx, "v", "l3", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := mount(t, mounts)
	checkTree(t, dir,
		map[string]string{"keep": "2", "opq/new": "2", "plain/old": "1", "plain/new": "2", "top": "3"},
		[]string{"gone", "opq/old", "opq/sub"})
}

func testViewReadOnly(t *testing.T, f *fixture) {
	f.commitLayer(t, "l1", "", change{write: map[string]string{"a": "1"}})
	f.commitLayer(t, "l2", "l1", change{write: map[string]string{"b": "2"}})
	for _, parent := range []string{"l1", "l2"} {
		mounts, err := f.sn.View(f.ctx, "view-"+parent, parent, nil)
		if err != nil {
			t.Fatal(err)
		}
		dir, _ := mount(t, mounts)
		checkTree(t, dir, map[string]string{"a": "1"}, nil)
		err = os.WriteFile(filepath.Join(dir, "new"), nil, 0o644)
		if err == nil {
			t.Errorf("view of %s is writable", parent)
		}
	}
}

// testChain128: overlay's option string cannot hold 128 lower dirs, so this
// needs the mount code to pass them another way.
func testChain128(t *testing.T, f *fixture) {
	const n = 128
	parent := ""
	want := map[string]string{}
	for i := range n {
		name := fmt.Sprintf("layer-%03d", i)
		file := fmt.Sprintf("f%03d", i)
		want[file] = name
		f.commitLayer(t, name, parent, change{write: map[string]string{file: name, "last": name}})
		parent = name
	}
	want["last"] = parent
	mounts, err := f.sn.Prepare(f.ctx, "top", parent, nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := mount(t, mounts)
	checkTree(t, dir, want, nil)
}

// testConcurrentPrepare: many goroutines on two snapshotters sharing one
// root, as two berth processes would.
func testConcurrentPrepare(t *testing.T, f *fixture) {
	f.commitLayer(t, "base", "", change{write: map[string]string{"a": "1"}})
	other := f.make(t, f.root)
	t.Cleanup(func() {
		if err := other.Close(); err != nil {
			t.Error(err)
		}
	})
	sns := []snapshot.Snapshotter{f.sn, other}
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	sameErrs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			sn := sns[i%2]
			_, errs[i] = sn.Prepare(f.ctx, fmt.Sprintf("c%d", i), "base", nil)
			_, sameErrs[i] = sn.Prepare(f.ctx, "same", "base", nil)
		})
	}
	wg.Wait()
	won := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("prepare c%d: %v", i, errs[i])
		}
		switch {
		case sameErrs[i] == nil:
			won++
		case !errors.Is(sameErrs[i], snapshot.ErrExists):
			t.Errorf("concurrent prepare of one key: %v", sameErrs[i])
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent prepares of one key succeeded, want 1", won)
	}
	for i := range n {
		if info := mustStat(t, f, fmt.Sprintf("c%d", i)); info.Parent != "base" {
			t.Errorf("c%d parent = %q", i, info.Parent)
		}
	}
}

// testCommitRace: two unpackers of one layer; one commit wins.
func testCommitRace(t *testing.T, f *fixture) {
	for _, key := range []string{"x1", "x2"} {
		if _, err := f.sn.Prepare(f.ctx, key, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.sn.Commit(f.ctx, "layer", "x1", nil); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "second commit of one name", f.sn.Commit(f.ctx, "layer", "x2", nil), snapshot.ErrExists)
	if err := f.sn.Remove(f.ctx, "x2"); err != nil {
		t.Errorf("remove the losing active snapshot: %v", err)
	}
}

func testUsage(t *testing.T, f *fixture) {
	const size = 1 << 20
	mounts, err := f.sn.Prepare(f.ctx, "active", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, unmount := mount(t, mounts)
	if err := os.WriteFile(filepath.Join(dir, "big"), make([]byte, size), 0o644); err != nil {
		t.Fatal(err)
	}
	unmount()
	check := func(key string) {
		u, err := f.sn.Usage(f.ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if u.Size < size || u.Inodes < 2 {
			t.Errorf("usage of %s = %+v, want at least %d bytes and 2 inodes", key, u, size)
		}
	}
	check("active")
	if err := f.sn.Commit(f.ctx, "done", "active", nil); err != nil {
		t.Fatal(err)
	}
	check("done")
}

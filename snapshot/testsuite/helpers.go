package testsuite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/berth-containers/berth/snapshot"
)

// fixture is one subtest's snapshotter and where it lives.
type fixture struct {
	ctx  context.Context
	sn   snapshot.Snapshotter
	root string
	make func(t *testing.T, root string) snapshot.Snapshotter
}

func newFixture(t *testing.T, newSnapshotter func(t *testing.T, root string) snapshot.Snapshotter) *fixture {
	t.Helper()
	root := t.TempDir()
	sn := newSnapshotter(t, root)
	t.Cleanup(func() {
		if err := sn.Close(); err != nil {
			t.Errorf("close snapshotter: %v", err)
		}
	})
	return &fixture{ctx: t.Context(), sn: sn, root: root, make: newSnapshotter}
}

// mount mounts mounts on a fresh directory, unmounted when the test ends
// (or earlier by the returned func, which may be called more than once).
func mount(t *testing.T, mounts []snapshot.Mount) (string, func()) {
	t.Helper()
	target := t.TempDir()
	if err := snapshot.MountAll(mounts, target); err != nil {
		t.Fatalf("mount %+v: %v", mounts, err)
	}
	unmount := func() {
		if err := snapshot.UnmountAll(target); err != nil {
			t.Errorf("unmount: %v", err)
		}
	}
	t.Cleanup(unmount) // runs before TempDir's removal: cleanups are LIFO
	return target, unmount
}

// change is what one layer does to the tree below it.
type change struct {
	write  map[string]string // path -> content; a trailing "/" makes a dir
	remove []string          // removed through the overlay: whiteouts
}

func apply(t *testing.T, dir string, c change) {
	t.Helper()
	for _, p := range c.remove {
		if err := os.RemoveAll(filepath.Join(dir, p)); err != nil {
			t.Fatalf("remove %s: %v", p, err)
		}
	}
	for p, content := range c.write {
		full := filepath.Join(dir, p)
		if p[len(p)-1] == '/' {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// commitLayer prepares name on parent, applies c through a real mount and
// commits it under name.
func (f *fixture) commitLayer(t *testing.T, name, parent string, c change) {
	t.Helper()
	key := name + "-active"
	mounts, err := f.sn.Prepare(f.ctx, key, parent, nil)
	if err != nil {
		t.Fatalf("prepare %s on %q: %v", key, parent, err)
	}
	dir, unmount := mount(t, mounts)
	apply(t, dir, c)
	unmount()
	if err := f.sn.Commit(f.ctx, name, key, nil); err != nil {
		t.Fatalf("commit %s as %s: %v", key, name, err)
	}
}

// checkTree asserts the files in want have that content and absent paths
// do not exist.
func checkTree(t *testing.T, dir string, want map[string]string, absent []string) {
	t.Helper()
	for p, content := range want {
		got, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil {
			t.Errorf("read %s: %v", p, err)
			continue
		}
		if string(got) != content {
			t.Errorf("%s = %q, want %q", p, got, content)
		}
	}
	for _, p := range absent {
		if _, err := os.Lstat(filepath.Join(dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: want absent, lstat err = %v", p, err)
		}
	}
}

func wantErr(t *testing.T, what string, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Errorf("%s: err = %v, want %v", what, err, kind)
	}
}

func mustStat(t *testing.T, f *fixture, key string) snapshot.Info {
	t.Helper()
	info, err := f.sn.Stat(f.ctx, key)
	if err != nil {
		t.Fatalf("stat %s: %v", key, err)
	}
	return info
}

// Names lists every snapshot sn holds, by name, with its kind: what a
// test of a snapshot's user compares against after a run or a failure.
func Names(t *testing.T, sn snapshot.Snapshotter) map[string]snapshot.Kind {
	t.Helper()
	out := map[string]snapshot.Kind{}
	if err := sn.Walk(t.Context(), func(i snapshot.Info) error { out[i.Name] = i.Kind; return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

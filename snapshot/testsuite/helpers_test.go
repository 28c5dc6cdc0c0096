package testsuite

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/snapshot"
)

// tree lists dir as path -> content, with "/" after directories.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			out[rel+"/"] = ""
			return nil
		}
		b, err := os.ReadFile(p)
		out[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestApply: a layer's change writes files (making their parents), makes
// directories and removes paths, removals first, as the suite's layers
// assume.
func TestApply(t *testing.T) {
	tests := []struct {
		name string
		base change
		c    change
		want map[string]string
	}{
		{"write", change{}, change{write: map[string]string{"a": "1", "d/e/b": "2"}},
			map[string]string{"a": "1", "d/": "", "d/e/": "", "d/e/b": "2"}},
		{"dir", change{}, change{write: map[string]string{"empty/": ""}}, map[string]string{"empty/": ""}},
		{"overwrite", change{write: map[string]string{"a": "old"}}, change{write: map[string]string{"a": "new"}},
			map[string]string{"a": "new"}},
		{"remove file and tree", change{write: map[string]string{"a": "1", "d/b": "2", "c": "3"}},
			change{remove: []string{"a", "d"}}, map[string]string{"c": "3"}},
		{"remove then write back", change{write: map[string]string{"d/b": "2"}},
			change{remove: []string{"d"}, write: map[string]string{"d/c": "4"}}, map[string]string{"d/": "", "d/c": "4"}},
		{"remove missing", change{}, change{remove: []string{"none"}}, map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			apply(t, dir, tc.base)
			apply(t, dir, tc.c)
			got := tree(t, dir)
			if len(got) != len(tc.want) {
				t.Errorf("tree = %v, want %v", got, tc.want)
			}
			for p, w := range tc.want {
				if g, ok := got[p]; !ok || g != w {
					t.Errorf("%s = %q (present %v), want %q", p, g, ok, w)
				}
			}
		})
	}
}

// TestMount: the suite's mount helper mounts a snapshot's mounts (here a
// plain read-only bind, the simplest a driver can return) and its
// unmount may run twice: once by the test, once at cleanup.
func TestMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting needs root, as the suite does")
	}
	src := t.TempDir()
	apply(t, src, change{write: map[string]string{"a": "1", "d/b": "2"}})
	dir, unmount := mount(t, []snapshot.Mount{{Type: "bind", Source: src, Options: []string{"rbind", "ro"}}})
	got := tree(t, dir)
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) != 3 || got["a"] != "1" || got["d/b"] != "2" {
		t.Errorf("mounted tree = %v, want a, d/, d/b", keys)
	}
	if err := os.WriteFile(filepath.Join(dir, "c"), nil, 0o644); !errors.Is(err, unix.EROFS) {
		t.Errorf("write through a read-only mount: err = %v, want EROFS", err)
	}
	unmount()
	if entries, err := os.ReadDir(dir); err != nil || len(entries) != 0 {
		t.Errorf("after unmount %s has %d entries (%v), want the empty mountpoint", dir, len(entries), err)
	}
	unmount() // again, as the cleanup will: must not fail the test
}

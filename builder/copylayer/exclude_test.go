package copylayer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-containers/berth/builder/buildctx"
)

func copyTargets(t *testing.T, files []string, c Spec) ([]string, error) {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	l, err := Plan(buildctx.Plain(dir), t.TempDir(), "/", c)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range l.Entries {
		out = append(out, e.Target)
	}
	slices.Sort(out)
	return slices.Compact(out), nil // dir* makes dest once per directory
}

var flagTree = []string{"dir1/a.png", "dir1/b.txt", "dir2/c.pdf", "dir2/sub/d.txt", "dir3/e.mp3", "top.txt"}

// TestCopyExclude follows BuildKit's exclude_patterns_test: patterns
// relative to a directory source, a file source by its base name, and the
// source directory kept even when everything in it is left out.
func TestCopyExclude(t *testing.T) {
	for _, c := range []struct {
		excludes, srcs []string
		dest, want     string
	}{
		{[]string{"*/*.png", "*/*.pdf"}, []string{"."}, "/1", "/1 /1/dir1 /1/dir1/b.txt /1/dir2 /1/dir2/sub /1/dir2/sub/d.txt /1/dir3 /1/dir3/e.mp3 /1/top.txt"},
		{[]string{"*.mp3"}, []string{"dir3/"}, "/3/", "/3"},
		{[]string{"*.txt", "sub"}, []string{"dir*"}, "/4/", "/4 /4/a.png /4/c.pdf /4/e.mp3"},
		{[]string{"*.txt", "!top.txt"}, []string{"*.txt", "dir1"}, "/5/", "/5 /5/a.png /5/top.txt"},
		{[]string{"*"}, []string{"dir*"}, "/6/", "/6"},
	} {
		got, err := copyTargets(t, flagTree, Spec{Sources: c.srcs, Dest: c.dest, Excludes: c.excludes})
		if err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("COPY --exclude=%v %v %s: %v, %v; want %s", c.excludes, c.srcs, c.dest, got, err, c.want)
		}
	}
	if _, err := newExcluder([]string{"[x"}); err == nil || !strings.Contains(err.Error(), "--exclude=[x") {
		t.Errorf("a bad pattern: %v", err)
	}
}

// TestCopyParents follows BuildKit's dockerfile_parents_test: each source
// keeps its path under dest, from the pivot "/./" when it has one.
func TestCopyParents(t *testing.T) {
	tree := []string{"test/a/b/c/d/foo", "test/a/b/c/d/e/bay", "test/a/b2/c/d/e/bar", "foo1/foo2/bar", "foo1/foo2/baz"}
	for _, c := range []struct {
		srcs       []string
		dest, want string
	}{
		{[]string{"foo1/foo2/bar"}, "/", "/foo1 /foo1/foo2 /foo1/foo2/bar"},
		{[]string{"foo1/foo2/ba*"}, "/test", "/test /test/foo1 /test/foo1/foo2 /test/foo1/foo2/bar /test/foo1/foo2/baz"},
		{[]string{"/test/a/b/./c/d"}, "/out/", "/out /out/c /out/c/d /out/c/d/e /out/c/d/e/bay /out/c/d/foo"},
		{[]string{"/test/a/./b/./c"}, "/out/", "/out /out/b /out/b/c /out/b/c/d /out/b/c/d/e /out/b/c/d/e/bay /out/b/c/d/foo"},
		{[]string{"/test/a/./*/c/d/e"}, "/out/", "/out /out/b /out/b/c /out/b/c/d /out/b/c/d/e /out/b/c/d/e/bay /out/b2 /out/b2/c /out/b2/c/d /out/b2/c/d/e /out/b2/c/d/e/bar"},
	} {
		got, err := copyTargets(t, tree, Spec{Sources: c.srcs, Dest: c.dest, Parents: true})
		if err != nil || strings.Join(got, " ") != c.want {
			t.Errorf("COPY --parents %v %s:\n got %v, %v\nwant %s", c.srcs, c.dest, strings.Join(got, " "), err, c.want)
		}
	}
}

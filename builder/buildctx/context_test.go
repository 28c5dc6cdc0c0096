package buildctx

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestIgnoreRules(t *testing.T) {
	dir := testutil.WriteTree(t, map[string]string{
		".dockerignore": "# comment\n*.log\n!keep.log\n**/*.tmp\nbuild\n!build/out\n",
		"a.log":         "", "keep.log": "", "x.tmp": "", "d/e/y.tmp": "", "d/e/z": "",
		"build/obj": "", "build/out": "", "src/main.go": "",
	})
	c, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := c.Walk(".", func(p string, info fs.FileInfo) error {
		if !info.IsDir() {
			got = append(got, p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{".dockerignore", "build/out", "d/e/z", "keep.log", "src/main.go"}
	if !slices.Equal(got, want) {
		t.Errorf("walk: %v, want %v", got, want)
	}
}

func TestDockerfileDockerignore(t *testing.T) {
	dir := testutil.WriteTree(t, map[string]string{".dockerignore": "a\n", "ci/Dockerfile.dockerignore": "b\n", "a": "", "b": ""})
	c, err := Open(dir, filepath.Join(dir, "ci", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Excluded("a") || !c.Excluded("b") {
		t.Errorf("Dockerfile.dockerignore beside the Dockerfile is not the one used: a %v, b %v", c.Excluded("a"), c.Excluded("b"))
	}
}

func TestResolve(t *testing.T) {
	dir := testutil.WriteTree(t, map[string]string{"a.txt": "", "b.txt": "", "sub/c": "", ".dockerignore": "b.txt\n"})
	outside := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	c, err := Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		src  string
		want []string
		err  string
	}{
		{src: "a.txt", want: []string{"a.txt"}},
		{src: "/sub/../a.txt", want: []string{"a.txt"}},
		{src: "*.txt", want: []string{"a.txt"}},
		{src: ".", want: []string{"."}},
		{src: "b.txt", err: "excluded by .dockerignore"},
		{src: "missing", err: "not found in the build context"},
		{src: "../x", err: "forbidden path outside the build context"},
		{src: "link/file", err: "a directory on its path is a symlink"},
		{src: "*.none", err: "no source files were specified"},
	} {
		got, err := c.Resolve(tc.src)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %v, %v; want error %q", tc.src, got, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.src, got, err, tc.want)
		}
	}
	if _, err := c.Resolve("missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing source is not fs.ErrNotExist: %v", err)
	}
}

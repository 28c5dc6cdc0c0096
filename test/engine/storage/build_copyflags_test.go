package storage_test

import (
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildCopyExcludeParents: COPY and ADD --exclude leave out what
// matches (relative to a directory source), COPY --parents keeps the
// sources' paths (from the "/./" pivot when there is one, also from
// another stage), and a bad pattern names its Dockerfile line.
func TestBuildCopyExcludeParents(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{
		"Dockerfile": `FROM busybox AS base
RUN mkdir -p /test/a/b/c/d/e && echo foo > /test/a/b/c/d/foo
FROM busybox
COPY --exclude=*/*.png --exclude=*/*.pdf . /1/
ADD --exclude=*.mp3 dir3/ /3/
COPY --parents foo1/foo2/ba* /p/
COPY --from=base --parents /test/a/b/./c/d /pivot/
`,
		"dir1/a.png": "x", "dir1/b.txt": "b", "dir2/c.pdf": "x", "dir3/e.mp3": "x", "dir3/f.mpeg": "f",
		"foo1/foo2/bar": "bar", "foo1/foo2/baz": "baz", "foo1/other": "x",
	})
	e.Must("build", "-t", "flags:1", dir)
	out := e.Must("run", "--rm", "flags:1", "sh", "-c", "cd / && find 1 3 p pivot | sort")
	want := "1\n1/Dockerfile\n1/dir1\n1/dir1/b.txt\n1/dir2\n1/dir3\n1/dir3/e.mp3\n1/dir3/f.mpeg\n1/foo1\n1/foo1/foo2\n1/foo1/foo2/bar\n1/foo1/foo2/baz\n1/foo1/other\n" +
		"3\n3/f.mpeg\np\np/foo1\np/foo1/foo2\np/foo1/foo2/bar\np/foo1/foo2/baz\npivot\npivot/c\npivot/c/d\npivot/c/d/e\npivot/c/d/foo\n"
	if out != want {
		t.Errorf("the image has:\n%s\nwant:\n%s", out, want)
	}
	bad := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox\nCOPY --exclude=[x . /x/\n"})
	r := e.Run("build", bad)
	if msg := strings.TrimSpace(r.Stderr); r.ExitCode == 0 || !strings.Contains(msg, "Dockerfile:2: ") || !strings.Contains(msg, "--exclude=[x") {
		t.Errorf("a bad --exclude: exit %d, %q", r.ExitCode, msg)
	}
}

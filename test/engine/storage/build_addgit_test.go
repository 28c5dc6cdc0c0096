package storage_test

import (
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestBuildAddGit adds a git repository served on loopback (git's dumb
// http, as BuildKit's own test does): a ref's tree, a ref's subdirectory,
// .git only with --keep-git-dir; a missing ref names the line.
func TestBuildAddGit(t *testing.T) {
	e := newEnv(t)
	work := testutil.WriteTree(t, map[string]string{"README": "v1\n", "sub/f": "in sub\n"})
	bare := filepath.Join(t.TempDir(), "repo.git")
	for _, args := range [][]string{
		{"-C", work, "init", "-q", "-b", "main"},
		{"-C", work, "add", "."},
		{"-C", work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one"},
		{"-C", work, "tag", "v1"},
		{"-C", work, "rm", "-q", "README"},
		{"-C", work, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "two"},
		{"clone", "-q", "--bare", work, bare},
		{"-C", bare, "update-server-info"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(bare))))
	defer srv.Close()
	url := srv.URL + "/repo.git"
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox\nADD " + url + "#v1 /tag/\nADD " + url + "#main:sub /sub\n" +
		"ADD --keep-git-dir=true " + url + " /head\n"})
	e.Must("build", "-t", "git:1", dir)
	out := e.Must("run", "--rm", "git:1", "sh", "-c", "cd / && find tag sub head -path 'head/.git/*' -prune -o -print | sort")
	if want := "head\nhead/.git\nhead/sub\nhead/sub/f\nsub\nsub/f\ntag\ntag/README\ntag/sub\ntag/sub/f\n"; out != want {
		t.Errorf("the image has:\n%s\nwant:\n%s", out, want)
	}
	bad := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox\nADD " + url + "#nope /x\n"})
	if r := e.Run("build", bad); r.ExitCode == 0 || !strings.Contains(r.Stderr, "Dockerfile:2: ADD "+url+"#nope: git fetch") {
		t.Errorf("a missing ref: exit %d: %s", r.ExitCode, r.Stderr)
	}
}

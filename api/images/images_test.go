package images

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/image"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/api/router"
	bimage "github.com/berth-containers/berth/image"
)

func TestSplitVerb(t *testing.T) {
	for _, tc := range []struct{ in, name, verb string }{
		{"busybox/json", "busybox", "json"},
		{"library/busybox:1.36/history", "library/busybox:1.36", "history"},
		{"localhost:5000/a/b:t/push", "localhost:5000/a/b:t", "push"},
		{"sha256:abc/json", "sha256:abc", "json"},
		{"busybox", "busybox", ""},
	} {
		if name, verb := splitVerb(tc.in); name != tc.name || verb != tc.verb {
			t.Errorf("splitVerb(%q) = %q, %q, want %q, %q", tc.in, name, verb, tc.name, tc.verb)
		}
	}
}

func TestRepoTag(t *testing.T) {
	for _, tc := range []struct{ query, want string }{
		{"repo=app&tag=v1", "app:v1"},
		{"repo=localhost:5000/app", "localhost:5000/app"},
		{"tag=v1", ""},
		{"", ""},
	} {
		if got := repoTag(httptest.NewRequest("POST", "/commit?"+tc.query, nil)); got != tc.want {
			t.Errorf("repoTag(%q) = %q, want %q", tc.query, got, tc.want)
		}
	}
}

func TestNoSuchImage(t *testing.T) {
	other := errors.New("disk on fire")
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"not found", fmt.Errorf("get: %w", bimage.ErrNotFound), 404, "No such image: app:v1"},
		{"other", other, 500, "disk on fire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := noSuchImage("app:v1", tc.err)
			if status, msg := router.StatusOf(err); status != tc.status || msg != tc.msg {
				t.Errorf("StatusOf = %d %q, want %d %q", status, msg, tc.status, tc.msg)
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("%v does not wrap %v", err, tc.err)
			}
		})
	}
}

func TestPruneReport(t *testing.T) {
	d := digest.FromString("x")
	for _, tc := range []struct {
		name string
		rep  bimage.PruneReport
		want string
	}{
		{"empty", bimage.PruneReport{}, `{"ImagesDeleted":[],"SpaceReclaimed":0}`},
		{"untagged then deleted", bimage.PruneReport{Untagged: []string{"app:v1"}, Deleted: []digest.Digest{d}, Reclaimed: 42},
			`{"ImagesDeleted":[{"Untagged":"app:v1"},{"Deleted":"` + d.String() + `"}],"SpaceReclaimed":42}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(pruneReport(tc.rep))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

// TestRefused covers the requests refused before the engine opens, and
// that the fixed routes win over /images/{name...}.
func TestRefused(t *testing.T) {
	r := router.New(router.Options{Root: t.TempDir()})
	Register(r)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"tag without repo", "POST", "/images/busybox/tag?tag=v1", "", 400, "repository name must have at least one component"},
		{"unknown action", "POST", "/images/busybox/frobnicate", "", 404, "page not found"},
		{"save no names", "GET", "/images/get", "", 400, "no image names given"},
		{"import from url", "POST", "/images/create?fromSrc=http://example.com/x.tar", "", 501, "request body only"},
		{"import no source", "POST", "/images/create", "", 501, "request body only"},
		{"pull bad platform", "POST", "/images/create?fromImage=busybox&platform=a/b/c/d", "", 400, ""},
		{"list bad filters", "GET", "/images/json?filters=%7B", "", 400, "invalid filters"},
		{"prune bad filters", "POST", "/images/prune?filters=%7B", "", 400, "invalid filters"},
		{"commit bad body", "POST", "/commit?container=c", `{"Cmd":`, 400, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
			var e struct{ Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if w.Code != tc.status || !strings.Contains(e.Message, tc.msg) || e.Message == "" {
				t.Errorf("%d %q, want %d with %q", w.Code, e.Message, tc.status, tc.msg)
			}
		})
	}
}

func TestPushStatus(t *testing.T) {
	d := digest.FromString("manifest")
	for _, tc := range []struct{ name, want string }{
		{"app:v1", "v1"},
		{"localhost:5000/app:v2", "v2"},
		{"localhost:5000/app", "latest"},
		{"app", "latest"},
	} {
		want := tc.want + ": digest: " + d.String() + " size: 528"
		if got := pushStatus(tc.name, d, 528); got != want {
			t.Errorf("pushStatus(%q) = %q, want %q", tc.name, got, want)
		}
	}
}

// TestAddNames: with a reference filter, a summary names only the tags
// and digests of the rows that matched, as Docker's does.
func TestAddNames(t *testing.T) {
	sum := image.Summary{RepoTags: []string{}, RepoDigests: []string{}}
	for _, row := range []bimage.Row{
		{Repository: "reg:5000/app", Tag: "v1", Digest: "sha256:aa"},
		{Repository: "reg:5000/app", Tag: "v2", Digest: "sha256:aa"},
		{Repository: "<none>", Tag: "<none>", Digest: "<none>"},
	} {
		addNames(&sum, row)
	}
	if got := strings.Join(sum.RepoTags, " "); got != "reg:5000/app:v1 reg:5000/app:v2" {
		t.Errorf("RepoTags = %q", got)
	}
	if got := strings.Join(sum.RepoDigests, " "); got != "reg:5000/app@sha256:aa" {
		t.Errorf("RepoDigests = %q", got)
	}
}

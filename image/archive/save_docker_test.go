package archive

import (
	"reflect"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestV1IDChains(t *testing.T) {
	a, b := digest.FromString("a"), digest.FromString("b")
	first, again := v1ID("", a), v1ID("", a)
	if first == v1ID("", b) || first != again || v1ID("x", a) == first || len(first) != 64 {
		t.Error("v1ID is not a stable digest of parent and diff ID")
	}
}

func TestAppendNewAndRepos(t *testing.T) {
	if got := appendNew(nil, nil); got != nil {
		t.Errorf("no tags: %v, want nil (null in manifest.json)", got)
	}
	if got := appendNew([]string{"a:1"}, []string{"a:1", "b:2"}); !reflect.DeepEqual(got, []string{"a:1", "b:2"}) {
		t.Errorf("appendNew: %v", got)
	}
	repos := map[string]map[string]string{}
	addRepos(repos, []string{"busybox:latest", "127.0.0.1:5000/x:v1"}, []string{"l1/layer.tar", "top/layer.tar"})
	want := map[string]map[string]string{"busybox": {"latest": "top"}, "127.0.0.1:5000/x": {"v1": "top"}}
	if !reflect.DeepEqual(repos, want) {
		t.Errorf("repositories: %v", repos)
	}
}

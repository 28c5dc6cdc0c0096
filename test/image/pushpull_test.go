package image_test

import (
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestPushPullRoundTrip loads a generated multi-layer image (gzip, zstd and
// plain layers with every kind of entry), pushes it to a loopback
// registry, pulls it into a fresh root and compares digests and trees.
func TestPushPullRoundTrip(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{})
	arch := ociArchive(t, "rich:1", richLayers(t), gz, gz, zst)
	if out := a.ok("load", "-i", arch); !strings.Contains(out, "Loaded image: rich:1") {
		t.Fatalf("load output: %q", out)
	}
	ref := reg.Addr + "/test/rich:1"
	a.ok("tag", "rich:1", ref)
	a.ok("push", ref)
	out := b.ok("pull", ref)
	for _, want := range []string{"Pull complete", "Digest: sha256:", "Status: Downloaded newer image for " + ref} {
		if !strings.Contains(out, want) {
			t.Errorf("pull output lacks %q:\n%s", want, out)
		}
	}
	ia, ib := a.inspect(ref), b.inspect(ref)
	if ia["Id"] != ib["Id"] {
		t.Errorf("image IDs differ: %v vs %v", ia["Id"], ib["Id"])
	}
	repoDigests := ib["RepoDigests"].([]any)
	if len(repoDigests) != 1 || !strings.HasPrefix(repoDigests[0].(string), reg.Addr+"/test/rich@sha256:") {
		t.Errorf("RepoDigests after pull: %v", repoDigests)
	}
	ta, tb := a.tree(ref), b.tree(ref)
	diffTrees(t, ta, tb)
	checks := map[string]string{
		"data/a.txt":   "user.berth=yes",
		"data/hard":    "links=data/a.txt,data/hard",
		"data/link":    "-> a.txt",
		"data/null":    "dev=1:3",
		"data/suid":    "mode=104755",
		"bin/sh":       "-> busybox",
		"data/opq/new": "size=4",
	}
	for p, want := range checks {
		if !strings.Contains(tb[p], want) {
			t.Errorf("%s: %q lacks %q", p, tb[p], want)
		}
	}
	for _, gone := range []string{"data/gone", "data/opq/old", "data/.wh.gone", "data/opq/.wh..wh..opq"} {
		if v, ok := tb[gone]; ok {
			t.Errorf("%s should be gone (whiteout/opaque), found %q", gone, v)
		}
	}
	// A second pull transfers nothing.
	if out := b.ok("pull", ref); !strings.Contains(out, "Image is up to date") || strings.Contains(out, "Downloading") {
		t.Errorf("second pull:\n%s", out)
	}
}

// TestConcurrentPullsFetchSharedLayerOnce pulls two images sharing a big
// layer at the same time, from two processes, through a proxy counting
// blob GETs.
func TestConcurrentPullsFetchSharedLayerOnce(t *testing.T) {
	a, b := newEnv(t), newEnv(t)
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{})
	shared := randomLayer(t, "shared.bin", 8<<20, 7)
	a.ok("load", "-i", ociArchive(t, "one:1", [][]byte{shared, randomLayer(t, "one", 1<<10, 1)}))
	a.ok("load", "-i", ociArchive(t, "two:1", [][]byte{shared, randomLayer(t, "two", 1<<10, 2)}))
	for _, n := range []string{"one:1", "two:1"} {
		a.ok("tag", n, reg.Addr+"/c/"+n)
		a.ok("push", reg.Addr+"/c/"+n)
	}
	p := startProxy(t, reg.Addr, 16<<20) // slow enough that the pulls overlap
	errs := make(chan string, 2)
	for _, n := range []string{"one:1", "two:1"} {
		go func() {
			out, errOut, code := b.run(nil, "pull", p.Addr+"/c/"+n)
			if code != 0 {
				errs <- out + errOut
				return
			}
			errs <- ""
		}()
	}
	for range 2 {
		if e := <-errs; e != "" {
			t.Fatalf("pull failed:\n%s", e)
		}
	}
	sharedDigest := diffIDs(t, b.inspect(p.Addr+"/c/one:1"))[0].String()
	if n := p.count(sharedDigest); n != 1 {
		t.Errorf("shared layer %s fetched %d times, want 1", sharedDigest, n)
	}
}

package image

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image/store"
)

// addTestImage stores a manifest and config for an image whose config
// carries hostname (so that IDs differ), under the given names.
func addTestImage(t *testing.T, s *Service, hostname string, names ...string) ocispec.Descriptor {
	t.Helper()
	ctx := context.Background()
	cfg, _ := json.Marshal(ocispec.Image{Config: ocispec.ImageConfig{WorkingDir: "/" + hostname}})
	cd, err := s.Content.IngestBytes(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest, Layers: []ocispec.Descriptor{},
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cd, Size: int64(len(cfg))}}
	m.SchemaVersion = 2
	data, _ := json.Marshal(m)
	md, err := s.Content.IngestBytes(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(data))}
	if len(names) == 0 {
		names = []string{""}
	}
	for _, n := range names {
		if err := s.Records.Put(store.Record{Name: n, Target: desc}); err != nil {
			t.Fatal(err)
		}
	}
	return desc
}

// Get reads only the image it finds, and finds what List has: same ID,
// records and names, by full or short ID, name or digest reference.
func TestGetMatchesList(t *testing.T) {
	s, err := New(Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := addTestImage(t, s, "a", "docker.io/library/a:1", "docker.io/library/a:2")
	addTestImage(t, s, "b", "docker.io/library/b:latest")
	dangling := addTestImage(t, s, "c")
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byTarget := map[digest.Digest]*Image{}
	for _, img := range list {
		byTarget[img.Target.Digest] = img
	}
	want := byTarget[a.Digest]
	for _, ref := range []string{"a:1", "a:2", "docker.io/library/a:1", want.ID.String(), want.ID.Encoded()[:8]} {
		got, err := s.Get(ctx, ref)
		if err != nil {
			t.Fatalf("Get(%q): %v", ref, err)
		}
		if got.ID != want.ID || !reflect.DeepEqual(got.RepoTags, want.RepoTags) || len(got.Records) != 2 ||
			!reflect.DeepEqual(got.Config, want.Config) || got.Target.Digest != a.Digest {
			t.Errorf("Get(%q) = %+v; List has %+v", ref, got, want)
		}
	}
	if got, err := s.Get(ctx, byTarget[dangling.Digest].ID.String()); err != nil || got.Target.Digest != dangling.Digest {
		t.Errorf("Get of the dangling image by ID: %v, %v", got, err)
	}
	if _, err := s.Get(ctx, "nosuch:1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a missing name: %v", err)
	}
	// A name lookup reads no other image: one whose blobs are gone does
	// not fail it.
	bad := byTarget[dangling.Digest]
	p, _ := s.Content.BlobPath(bad.Target.Digest)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "b"); err != nil || got.RepoTags[0] != "b:latest" {
		t.Errorf("Get(b) with another image's manifest gone: %v, %v", got, err)
	}
}

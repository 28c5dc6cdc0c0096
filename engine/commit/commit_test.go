package commit

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/snapshot"
)

func TestUpper(t *testing.T) {
	for _, tt := range []struct {
		name   string
		mounts []snapshot.Mount
		want   string // "" for an error
	}{
		{"overlay", []snapshot.Mount{{Type: "overlay", Options: []string{"lowerdir=/l", "upperdir=/u", "workdir=/w"}}}, "/u"},
		{"one layer bind", []snapshot.Mount{{Type: "bind", Source: "/s"}}, "/s"},
		{"read-only overlay", []snapshot.Mount{{Type: "overlay", Options: []string{"lowerdir=/a:/b"}}}, ""},
		{"none", nil, ""},
		{"two", []snapshot.Mount{{Type: "bind", Source: "/a"}, {Type: "bind", Source: "/b"}}, ""},
	} {
		got, err := Upper(tt.mounts)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("%s: Upper = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestImage(t *testing.T) {
	base := ocispec.Image{RootFS: ocispec.RootFS{DiffIDs: []digest.Digest{"sha256:a"}},
		History: []ocispec.History{{CreatedBy: "base"}}}
	baseLayers := []ocispec.Descriptor{{Digest: "sha256:la"}}
	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	cfg, layers := Image(base, baseLayers, Layer{DiffID: "sha256:b", Size: 42},
		History{Created: now, Author: "me", Comment: "msg", CreatedBy: "sh -c x"})
	if len(base.RootFS.DiffIDs) != 1 || len(base.History) != 1 || len(baseLayers) != 1 {
		t.Fatal("the base was changed")
	}
	if !cfg.Created.Equal(now) || cfg.Author != "me" || cfg.RootFS.Type != "layers" {
		t.Errorf("config %+v", cfg)
	}
	if got := cfg.RootFS.DiffIDs; len(got) != 2 || got[1] != "sha256:b" {
		t.Errorf("DiffIDs %v", got)
	}
	if h := cfg.History; len(h) != 2 || h[1].CreatedBy != "sh -c x" || h[1].Comment != "msg" || h[1].Author != "me" || !h[1].Created.Equal(now) {
		t.Errorf("History %+v", h)
	}
	if len(layers) != 2 || !reflect.DeepEqual(layers[1], ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: "sha256:b", Size: 42}) {
		t.Errorf("layers %+v", layers)
	}
}

func TestMountPointFilter(t *testing.T) {
	bundle, upper := t.TempDir(), t.TempDir()
	if MountPointFilter(bundle, upper) != nil {
		t.Error("a bundle never written has a filter")
	}
	cfg := `{"ociVersion":"1.0.2","mounts":[{"destination":"/etc/hosts"},{"destination":"/data"},{"destination":"/full"},{"destination":"/kept"}]}`
	if err := os.WriteFile(filepath.Join(bundle, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"etc", "data", "full"} {
		if err := os.MkdirAll(filepath.Join(upper, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for p, data := range map[string]string{"etc/hosts": "", "full/f": "x", "kept": "content", "other": ""} {
		if err := os.WriteFile(filepath.Join(upper, p), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	skip := MountPointFilter(bundle, upper)
	for rel, want := range map[string]bool{
		"etc/hosts": true,  // an empty file made to mount on
		"data":      true,  // an empty directory made to mount on
		"full":      false, // a mount point the container wrote into
		"kept":      false, // a file with content
		"other":     false, // not a mount point
		"etc":       false,
	} {
		info, err := os.Lstat(filepath.Join(upper, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := skip(rel, fs.FileInfoToDirEntry(info)); got != want {
			t.Errorf("skip(%s) = %v, want %v", rel, got, want)
		}
	}
}

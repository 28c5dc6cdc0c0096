package image_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image/build"
	"github.com/berth-containers/berth/internal/busyboxfs"
)

// entry is one member of a generated layer.
type entry struct {
	hdr  tar.Header
	data []byte
}

func tarOf(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		h.Size = int64(len(e.data))
		h.ModTime = time.Unix(1_600_000_000, 0)
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write(e.data)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func dir(name string) entry {
	return entry{hdr: tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}}
}
func file(name, content string) entry {
	return entry{hdr: tar.Header{Name: name}, data: []byte(content)}
}

// busyboxLayer is the busybox rootfs as a tar.
func busyboxLayer(t *testing.T) []byte {
	t.Helper()
	d := t.TempDir()
	if err := busyboxfs.Build(d, ""); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := build.WriteTar(&buf, d, time.Unix(0, 0)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// richLayers are the generated layers: every kind of entry, then one that
// deletes with a whiteout and replaces a directory with an opaque one.
func richLayers(t *testing.T) [][]byte {
	rnd := make([]byte, 256<<10)
	rand.New(rand.NewSource(1)).Read(rnd)
	withXattr := file("data/a.txt", "hello berth\n")
	withXattr.hdr.PAXRecords = map[string]string{"SCHILY.xattr.user.berth": "yes"}
	second := tarOf(t, []entry{
		dir("data/"), dir("data/sub/"), withXattr,
		{hdr: tar.Header{Name: "data/sub/random.bin"}, data: rnd},
		{hdr: tar.Header{Name: "data/link", Typeflag: tar.TypeSymlink, Linkname: "a.txt"}},
		{hdr: tar.Header{Name: "data/hard", Typeflag: tar.TypeLink, Linkname: "data/a.txt"}},
		{hdr: tar.Header{Name: "data/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3, Mode: 0o666}},
		{hdr: tar.Header{Name: "data/suid", Mode: 0o4755}, data: []byte("#!/bin/sh\n")},
		file("data/gone", "to be deleted\n"),
		dir("data/opq/"), file("data/opq/old", "old\n"),
	})
	third := tarOf(t, []entry{
		dir("data/"),
		file("data/.wh.gone", ""),
		dir("data/opq/"), file("data/opq/.wh..wh..opq", ""), file("data/opq/new", "new\n"),
	})
	return [][]byte{busyboxLayer(t), second, third}
}

type compression int

const (
	plain compression = iota
	gz
	zst
)

func compress(t *testing.T, data []byte, c compression) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	switch c {
	case gz:
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write(data)
		zw.Close()
		return buf.Bytes(), ocispec.MediaTypeImageLayerGzip
	case zst:
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(data)
		zw.Close()
		return buf.Bytes(), ocispec.MediaTypeImageLayerZstd
	}
	return data, ocispec.MediaTypeImageLayer
}

// ociArchive writes an OCI archive of one image named name whose layers
// are tars compressed as comps says (plain when comps is short), and
// returns its path.
func ociArchive(t *testing.T, name string, layers [][]byte, comps ...compression) string {
	t.Helper()
	return ociArchiveEdited(t, name, layers, nil, comps...)
}

// ociArchiveEdited is ociArchive with edit applied to the manifest before
// it is written (a lying descriptor, say).
func ociArchiveEdited(t *testing.T, name string, layers [][]byte, edit func(*ocispec.Manifest), comps ...compression) string {
	t.Helper()
	blobs := map[digest.Digest][]byte{}
	cfg := ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"}, RootFS: ocispec.RootFS{Type: "layers"}}
	cfg.Config.Cmd = []string{"sh"}
	cfg.Config.Labels = map[string]string{"berth.test": name}
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest}
	m.SchemaVersion = 2
	for i, l := range layers {
		c := plain
		if i < len(comps) {
			c = comps[i]
		}
		data, mt := compress(t, l, c)
		d := digest.FromBytes(data)
		blobs[d] = data
		m.Layers = append(m.Layers, ocispec.Descriptor{MediaType: mt, Digest: d, Size: int64(len(data))})
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(l))
	}
	cfgData, _ := json.Marshal(cfg)
	m.Config = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: digest.FromBytes(cfgData), Size: int64(len(cfgData))}
	blobs[m.Config.Digest] = cfgData
	if edit != nil {
		edit(&m)
	}
	mData, _ := json.Marshal(m)
	md := digest.FromBytes(mData)
	blobs[md] = mData
	idx := ocispec.Index{Manifests: []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageManifest, Digest: md, Size: int64(len(mData)),
		Annotations: map[string]string{"io.containerd.image.name": name}}}}
	idx.SchemaVersion = 2
	idxData, _ := json.Marshal(idx)
	entries := []entry{file("oci-layout", `{"imageLayoutVersion":"1.0.0"}`), file("index.json", string(idxData)), dir("blobs/"), dir("blobs/sha256/")}
	for d, data := range blobs {
		entries = append(entries, entry{hdr: tar.Header{Name: "blobs/sha256/" + d.Encoded()}, data: data})
	}
	path := filepath.Join(t.TempDir(), "image.tar")
	if err := os.WriteFile(path, tarOf(t, entries), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// randomLayer is a tar of one file of size random bytes, from seed.
func randomLayer(t *testing.T, name string, size int, seed int64) []byte {
	data := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(data)
	return tarOf(t, []entry{{hdr: tar.Header{Name: name}, data: data}})
}

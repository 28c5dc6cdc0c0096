// Package archive reads and writes image archives: Docker's `docker save`
// format (manifest.json, repositories, a config and a tar per layer) and
// the OCI image layout in a tar (oci-layout, index.json, blobs/). Archives
// stream: every member goes into the content store while it is read, so
// `load` works from a pipe and never holds a layer in memory.
package archive

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/image/layer"
	"github.com/berth-containers/berth/image/registry"
)

// Image is one image of an archive: its manifest and its names (canonical
// or as written in the archive; empty for none).
type Image struct {
	Names    []string
	Manifest ocispec.Descriptor
}

// dockerManifest is one entry of docker save's manifest.json.
type dockerManifest struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// metaFiles are read into memory; everything else goes to the store.
var metaFiles = map[string]bool{"manifest.json": true, "index.json": true, "oci-layout": true, "repositories": true}

// reader holds what a pass over an archive found.
type reader struct {
	cs    *content.Store
	meta  map[string][]byte
	files map[string]digest.Digest // member path -> blob
	links map[string]string        // symlink member -> target member
}

// Load reads an archive in either format from r into the content store and
// returns its images (for an OCI index of several platforms, the one for
// platform, nil meaning the host's).
func Load(ctx context.Context, cs *content.Store, r io.Reader, platform *ocispec.Platform) ([]Image, error) {
	a := &reader{cs: cs, meta: map[string][]byte{}, files: map[string]digest.Digest{}, links: map[string]string{}}
	if err := a.read(ctx, r); err != nil {
		return nil, err
	}
	var imgs []Image
	var err error
	if m, ok := a.meta["manifest.json"]; ok {
		imgs, err = a.loadDocker(ctx, m)
	} else if idx, ok := a.meta["index.json"]; ok {
		imgs, err = a.loadOCI(idx, platform)
	} else {
		return nil, errors.New("not an image archive: no manifest.json (docker save) or index.json (OCI)")
	}
	if err == nil && len(imgs) == 0 {
		err = errors.New("the archive lists no image: its manifest.json or index.json is empty")
	}
	return imgs, err
}

func (a *reader) read(ctx context.Context, r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w (is it a tar file?)", err)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		switch hdr.Typeflag {
		case tar.TypeReg:
			if metaFiles[name] {
				if a.meta[name], err = io.ReadAll(io.LimitReader(tr, 16<<20)); err != nil {
					return fmt.Errorf("read archive member %s: %w", name, err)
				}
				continue
			}
			d, _, err := a.cs.IngestUnknown(ctx, tr)
			if err != nil {
				return fmt.Errorf("archive member %s: %w", name, err)
			}
			a.files[name] = d
		case tar.TypeSymlink:
			a.links[name] = path.Join(path.Dir(name), hdr.Linkname)
		}
	}
}

// blob resolves an archive path (following symlinks, as docker save uses
// them to share layers) to the blob stored from it.
func (a *reader) blob(p string) (digest.Digest, error) {
	p = path.Clean(p)
	for range 8 {
		if d, ok := a.files[p]; ok {
			return d, nil
		}
		t, ok := a.links[p]
		if !ok {
			break
		}
		p = t
	}
	return "", fmt.Errorf("archive member %s is missing", p)
}

func (a *reader) loadDocker(ctx context.Context, data []byte) ([]Image, error) {
	var entries []dockerManifest
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("parse manifest.json: %w", err)
	}
	var out []Image
	for _, e := range entries {
		desc, err := a.dockerImage(ctx, e)
		if err != nil {
			return nil, err
		}
		out = append(out, Image{Names: e.RepoTags, Manifest: desc})
	}
	return out, nil
}

// dockerImage writes an OCI manifest for a docker save entry.
func (a *reader) dockerImage(ctx context.Context, e dockerManifest) (ocispec.Descriptor, error) {
	cfg, err := a.blob(e.Config)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	info, err := a.cs.Info(cfg)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	m := ocispec.Manifest{MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cfg, Size: info.Size}}
	m.SchemaVersion = 2
	for _, l := range e.Layers {
		desc, err := a.layerDescriptor(l)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		m.Layers = append(m.Layers, desc)
	}
	data, err := json.Marshal(m)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("encode manifest: %w", err)
	}
	d, err := a.cs.IngestBytes(ctx, data)
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: d, Size: int64(len(data))}, err
}

// layerDescriptor describes a layer file; its media type follows what the
// bytes are (docker save writes plain tars, other tools may compress).
func (a *reader) layerDescriptor(p string) (ocispec.Descriptor, error) {
	d, err := a.blob(p)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	b, err := a.cs.Open(d)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer b.Close()
	rc, comp, err := layer.Decompress(b)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("layer %s: %w", p, err)
	}
	rc.Close()
	mt := ocispec.MediaTypeImageLayer
	switch comp {
	case layer.Gzip:
		mt = ocispec.MediaTypeImageLayerGzip
	case layer.Zstd:
		mt = ocispec.MediaTypeImageLayerZstd
	}
	return ocispec.Descriptor{MediaType: mt, Digest: d, Size: b.Size()}, nil
}

// loadOCI returns the images index.json lists; their blobs are in the
// store already (blobs/sha256/<hex> members hash to their names, or the
// image is incomplete and fails here).
func (a *reader) loadOCI(data []byte, platform *ocispec.Platform) ([]Image, error) {
	var idx ocispec.Index
	if err := json.Unmarshal(data, &idx); err != nil {
		return nil, fmt.Errorf("parse index.json: %w", err)
	}
	var out []Image
	for _, desc := range idx.Manifests {
		m, err := a.resolveIndex(desc, platform)
		if err != nil {
			return nil, err
		}
		if err := a.checkSizes(m); err != nil {
			return nil, err
		}
		var names []string
		if n := desc.Annotations["io.containerd.image.name"]; n != "" {
			names = append(names, n)
		} else if n := desc.Annotations[ocispec.AnnotationRefName]; strings.ContainsAny(n, ":/") {
			// A bare ref name ("v1") is a tag of no repository: the image
			// loads unnamed, as Docker does.
			names = append(names, n)
		}
		out = append(out, Image{Names: names, Manifest: m})
	}
	return out, nil
}

// resolveIndex follows nested indexes down to platform's manifest.
func (a *reader) resolveIndex(desc ocispec.Descriptor, platform *ocispec.Platform) (ocispec.Descriptor, error) {
	for range 4 {
		if !a.cs.Exists(desc.Digest) {
			return ocispec.Descriptor{}, fmt.Errorf("archive lacks blob %s (%s)", desc.Digest, desc.MediaType)
		}
		if desc.MediaType != ocispec.MediaTypeImageIndex && desc.MediaType != "application/vnd.docker.distribution.manifest.list.v2+json" {
			return desc, nil
		}
		data, err := a.cs.ReadBlob(desc.Digest)
		if err != nil {
			return ocispec.Descriptor{}, err
		}
		if desc, err = registry.SelectPlatform(data, platform); err != nil {
			return ocispec.Descriptor{}, err
		}
	}
	return ocispec.Descriptor{}, errors.New("index nesting too deep")
}

// checkSizes holds an OCI archive's manifest, config and layers to the
// sizes their descriptors give, as a registry pull is: a descriptor that
// lies about its blob is refused, not recorded.
func (a *reader) checkSizes(desc ocispec.Descriptor) error {
	if err := a.checkSize(desc, "manifest"); err != nil {
		return err
	}
	data, err := a.cs.ReadBlob(desc.Digest)
	if err != nil {
		return err
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("parse manifest %s: %w", desc.Digest, err)
	}
	if err := a.checkSize(m.Config, "config"); err != nil {
		return err
	}
	for _, l := range m.Layers {
		if err := a.checkSize(l, "layer"); err != nil {
			return err
		}
	}
	return nil
}

func (a *reader) checkSize(desc ocispec.Descriptor, what string) error {
	info, err := a.cs.Info(desc.Digest)
	if err != nil {
		return fmt.Errorf("archive lacks %s %s: %w", what, desc.Digest, err)
	}
	if info.Size != desc.Size {
		return fmt.Errorf("%s %s: the archive's descriptor says %d bytes, the blob has %d: %w", what, desc.Digest, desc.Size, info.Size, content.ErrMismatch)
	}
	return nil
}

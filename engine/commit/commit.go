// Package commit is what `berth commit` makes of a container, apart from
// the copying: which directory of its snapshot is the new layer (Upper),
// what of it stays out (MountPointFilter: what the runtime made only to
// mount on) and the new image's config and layers over its base's
// (Image). `berth diff` lists the same layer, so it uses the first two.
// Pausing the container, writing the layer and storing the image are the
// engine's.
package commit

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/runtime/spec"
	"github.com/berth-containers/berth/snapshot"
)

// Layer is the committed layer as the content store took it.
type Layer struct {
	DiffID digest.Digest // of the uncompressed tar, as it is stored
	Size   int64
}

// History is the history entry the commit adds.
type History struct {
	Created         time.Time
	Author, Comment string
	CreatedBy       string
}

// Image is the committed image: cfg (the base's, with the container's
// config merged in) and the base's layers, with layer on top and h as
// its history; neither cfg's slices nor baseLayers are changed.
func Image(cfg ocispec.Image, baseLayers []ocispec.Descriptor, layer Layer, h History) (ocispec.Image, []ocispec.Descriptor) {
	created := h.Created
	cfg.Created = &created
	cfg.Author = h.Author
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = append(append([]digest.Digest{}, cfg.RootFS.DiffIDs...), layer.DiffID)
	cfg.History = append(append([]ocispec.History{}, cfg.History...), ocispec.History{
		Created: &created, CreatedBy: h.CreatedBy, Author: h.Author, Comment: h.Comment,
	})
	layers := append(append([]ocispec.Descriptor{}, baseLayers...),
		ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: layer.DiffID, Size: layer.Size})
	return cfg, layers
}

// Upper finds the writable directory of a container's snapshot: the
// overlay's upperdir, or the bind-mounted directory of an image without
// layers.
func Upper(mounts []snapshot.Mount) (string, error) {
	if len(mounts) == 1 {
		m := mounts[0]
		if m.Type == "bind" {
			return m.Source, nil
		}
		for _, o := range m.Options {
			if v, ok := strings.CutPrefix(o, "upperdir="); ok {
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("no writable layer in the mounts of its root filesystem %+v", mounts)
}

// MountPointFilter leaves out of a commit what the runtime made in the
// rootfs only to mount on (/etc/hosts, volume directories, berth-init):
// empty files and directories at the bundle's mount destinations. Docker
// keeps them in an init layer that commit does not see.
func MountPointFilter(bundle, upper string) func(rel string, d fs.DirEntry) bool {
	s, err := spec.Load(bundle)
	if err != nil {
		return nil // never started: nothing was mounted
	}
	dests := map[string]bool{}
	for _, m := range s.Mounts {
		dests[strings.TrimPrefix(filepath.Clean("/"+m.Destination), "/")] = true
	}
	return func(rel string, d fs.DirEntry) bool {
		if !dests[rel] {
			return false
		}
		info, err := d.Info()
		if err != nil {
			return false
		}
		switch {
		case info.Mode().IsRegular():
			return info.Size() == 0
		case info.IsDir():
			entries, err := os.ReadDir(filepath.Join(upper, rel))
			return err == nil && len(entries) == 0
		}
		return false
	}
}

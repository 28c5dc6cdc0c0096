package build

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/image/layer"
)

// ImportOptions shape an imported image.
type ImportOptions struct {
	Source  string   // shown in history: a file name or "-"
	Changes []string // Dockerfile instructions
	Message string   // history comment
}

// Import turns a rootfs tarball (plain, gzip or zstd) into a one-layer
// image in cs and returns its manifest. The layer is stored uncompressed,
// so its digest is its diff ID.
func Import(ctx context.Context, cs *content.Store, r io.Reader, opts ImportOptions) (ocispec.Descriptor, error) {
	cfg := ocispec.Image{Platform: ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH}}
	if err := ApplyChanges(&cfg.Config, opts.Changes); err != nil {
		return ocispec.Descriptor{}, err
	}
	rc, _, err := layer.Decompress(r)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("import %s: %w", opts.Source, err)
	}
	defer rc.Close()
	d, size, err := cs.IngestUnknown(ctx, rc)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("import %s: %w", opts.Source, err)
	}
	now := time.Now().UTC()
	cfg.Created = &now
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{d}}
	cfg.History = []ocispec.History{{Created: &now, CreatedBy: "Imported from " + opts.Source, Comment: opts.Message}}
	return WriteImage(ctx, cs, cfg, []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: size}})
}

// Package build writes images into the content store: from a directory
// tree (the built-in busybox), from a rootfs tarball (import), with a
// config amended by Dockerfile instructions (--change).
package build

import (
	"context"
	"encoding/json"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/content"
)

// WriteImage stores an image config and its manifest (layers must already
// be in the store) and returns the manifest's descriptor.
func WriteImage(ctx context.Context, cs *content.Store, cfg ocispec.Image, layers []ocispec.Descriptor) (ocispec.Descriptor, error) {
	cfgData, err := json.Marshal(cfg)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("encode image config: %w", err)
	}
	cfgDigest, err := cs.IngestBytes(ctx, cfgData)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	m := ocispec.Manifest{
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    ocispec.Descriptor{MediaType: ocispec.MediaTypeImageConfig, Digest: cfgDigest, Size: int64(len(cfgData))},
		Layers:    layers,
	}
	m.SchemaVersion = 2
	data, err := json.Marshal(m)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("encode manifest: %w", err)
	}
	d, err := cs.IngestBytes(ctx, data)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: d, Size: int64(len(data))}, nil
}

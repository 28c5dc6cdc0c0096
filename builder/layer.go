package builder

import (
	"context"
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/builder/copylayer"
)

// writeLayer stores the layer's tar in the content store.
func (bd *build) writeLayer(ctx context.Context, l *copylayer.Layer) (ocispec.Descriptor, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(l.WriteTar(pw)) }()
	d, size, err := bd.Images.Content.IngestUnknown(ctx, pr)
	pr.CloseWithError(errors.New("layer ingest ended"))
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write the layer: %w", err)
	}
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: size}, nil
}

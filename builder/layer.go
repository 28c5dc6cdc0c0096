package builder

import (
	"context"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/builder/copylayer"
	"github.com/berth-containers/berth/builder/layerio"
)

// writeLayer stores the layer's tar in the content store, unpacked into
// its snapshot on the layers of diffIDs in the same pass (layerio.Write).
func (bd *build) writeLayer(ctx context.Context, l *copylayer.Layer, diffIDs []digest.Digest) (ocispec.Descriptor, error) {
	sn, err := bd.Images.Snapshotter()
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	return layerio.Write(ctx, bd.Images.Content, sn, diffIDs, l.WriteTar)
}

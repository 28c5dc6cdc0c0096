package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/builder/copylayer"
	"github.com/berth-containers/berth/image/unpack"
)

// writeLayer stores the layer's tar in the content store and, in the
// same pass, unpacks it into its snapshot on the layers of diffIDs (the
// state's so far), so that writing the step's image does not read the
// blob back to unpack it. Where the parent has no snapshot to build on,
// the blob alone is written and the image's write unpacks it.
func (bd *build) writeLayer(ctx context.Context, l *copylayer.Layer, diffIDs []digest.Digest) (ocispec.Descriptor, error) {
	release, err := bd.Images.Content.Use(ctx) // GC keeps off the active snapshot
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer release()
	p, err := bd.beginUnpack(ctx, diffIDs)
	if err != nil {
		slog.Debug("build: layer unpacked after it is written", "error", err)
		return bd.ingestLayer(ctx, l.WriteTar)
	}
	ar, aw := io.Pipe()
	applied := make(chan error, 1)
	go func() {
		err := p.Apply(ctx, ar)
		ar.CloseWithError(errors.Join(err, errors.New("layer unpack ended")))
		applied <- err
	}()
	desc, err := bd.ingestLayer(ctx, func(w io.Writer) error {
		err := l.WriteTar(io.MultiWriter(w, aw))
		aw.CloseWithError(err) // nil: EOF for the unpack
		return err
	})
	aw.CloseWithError(errors.New("layer ingest ended")) // if the tar never started
	if aerr := <-applied; err == nil && aerr != nil {
		err = fmt.Errorf("unpack the layer: %w", aerr)
	}
	if err != nil {
		p.Abort(ctx)
		return ocispec.Descriptor{}, err
	}
	if _, err := p.Commit(ctx, desc.Digest); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("commit the layer's snapshot: %w", err)
	}
	return desc, nil
}

// beginUnpack prepares the snapshot a layer on diffIDs unpacks into.
func (bd *build) beginUnpack(ctx context.Context, diffIDs []digest.Digest) (*unpack.Pending, error) {
	sn, err := bd.Images.Snapshotter()
	if err != nil {
		return nil, err
	}
	parent := ""
	if chain := unpack.ChainIDs(diffIDs); len(chain) > 0 {
		parent = chain[len(chain)-1].String()
		if _, err := sn.Stat(ctx, parent); err != nil {
			return nil, err
		}
	}
	return unpack.Begin(ctx, sn, parent)
}

// ingestLayer stores the uncompressed tar that write writes.
func (bd *build) ingestLayer(ctx context.Context, write func(io.Writer) error) (ocispec.Descriptor, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	d, size, err := bd.Images.Content.IngestUnknown(ctx, pr)
	pr.CloseWithError(errors.New("layer ingest ended"))
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write the layer: %w", err)
	}
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: size}, nil
}

package image

import (
	"context"
	"fmt"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image/store"
)

// AddBuilt makes an image that image/build wrote into the content store
// (WriteImage: a commit, say) ready to run: it unpacks its layers into
// snapshots, checking each one's diff ID, and names it ref (empty: dangling).
// The caller holds the content store (Content.Use) from before writing the
// blobs until this returns, so that no prune collects them in between.
func (s *Service) AddBuilt(ctx context.Context, desc ocispec.Descriptor, ref string) (*Image, error) {
	canonical := ""
	if ref != "" {
		var err error
		if canonical, err = Normalize(ref); err != nil {
			return nil, err
		}
	}
	img, err := s.load(desc)
	if err != nil {
		return nil, err
	}
	if err := s.unpackLocal(ctx, img); err != nil {
		return nil, fmt.Errorf("unpack image %s: %w", img.ID, err)
	}
	if err := s.Records.Put(store.Record{Name: canonical, Target: desc}); err != nil {
		return nil, err
	}
	return img, nil
}

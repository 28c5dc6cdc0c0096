package builder

import (
	"context"
	"errors"
	"strings"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/cachemount"
	"github.com/berth-containers/berth/builder/stepcache"
	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/image"
)

// PruneReport is what builder prune removed.
type PruneReport struct {
	Deleted   []digest.Digest // cache entries' images removed
	Reclaimed int64           // bytes of blobs collected
}

// Prune drops the build cache that no image refers to: the entries whose
// layers are not the first layers of a named image (with all, every
// entry), their images unless named or used by a container, and then the
// blobs and snapshots nothing references any more.
func (b *Builder) Prune(ctx context.Context, all bool) (PruneReport, error) {
	var rep PruneReport
	var errs []error
	before := b.storeSize()
	named, err := b.namedChains(ctx)
	if err != nil {
		return rep, err
	}
	err = stepcache.Open(b.Root).Locked(func(ix *stepcache.Index) (bool, error) {
		for key, e := range ix.Entries {
			img, err := b.Images.Get(ctx, e.Image.String())
			if errors.Is(err, image.ErrNotFound) {
				delete(ix.Entries, key)
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if !all && named[layerChain(img.Manifest.Layers)] {
				continue
			}
			if len(img.RepoTags) > 0 || len(img.RepoDigests) > 0 {
				if all {
					delete(ix.Entries, key)
				}
				continue
			}
			res, err := b.Images.Remove(ctx, e.Image.String(), false)
			if err != nil {
				continue // a container uses it: the entry stays with it
			}
			rep.Deleted = append(rep.Deleted, res.Deleted...)
			delete(ix.Entries, key)
		}
		return true, nil
	})
	if err != nil {
		return rep, err
	}
	n, mounts, merr := cachemount.Prune(cacheMountsDir(b.Root))
	for _, m := range mounts {
		rep.Deleted = append(rep.Deleted, digest.NewDigestFromEncoded(digest.SHA256, m))
	}
	errs = append(errs, merr)
	_, err = b.Images.GC(ctx)
	// rmi collects each image's blobs itself: the reclaimed space is what
	// the store lost in all.
	if after := b.storeSize(); after < before {
		rep.Reclaimed = before - after
	}
	rep.Reclaimed += n
	return rep, errors.Join(append(errs, err)...)
}

func (b *Builder) storeSize() int64 {
	var n int64
	b.Images.Content.Walk(func(i content.Info) error {
		n += i.Size
		return nil
	})
	return n
}

// namedChains are the layer lists, and each of their beginnings, of the
// images that have a name: the cache a build of them used.
func (b *Builder) namedChains(ctx context.Context) (map[string]bool, error) {
	imgs, err := b.Images.List(ctx)
	if err != nil {
		return nil, err
	}
	chains := map[string]bool{}
	for _, img := range imgs {
		if len(img.RepoTags) == 0 && len(img.RepoDigests) == 0 {
			continue
		}
		for i := 1; i <= len(img.Manifest.Layers); i++ {
			chains[layerChain(img.Manifest.Layers[:i])] = true
		}
	}
	return chains, nil
}

func layerChain(layers []ocispec.Descriptor) string {
	var sb strings.Builder
	for _, l := range layers {
		sb.WriteString(l.Digest.String())
		sb.WriteByte(' ')
	}
	return sb.String()
}

// CacheImages are the images the build cache at root keeps for its steps:
// `images` leaves the untagged ones out without -a, as Docker's classic
// builder's intermediate images.
func CacheImages(root string) (map[digest.Digest]bool, error) { return stepcache.Images(root) }

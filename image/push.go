package image

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/registry"
)

// Push uploads the local image ref to the registry its name points at:
// layers PullJobs at a time (those the registry has are skipped), then
// the config, then the manifest exactly as stored, so its digest is kept.
func (s *Service) Push(ctx context.Context, ref string, p *progress.Progress) (ocispec.Descriptor, error) {
	img, err := s.Get(ctx, ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	canonical, err := Normalize(ref)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	r, err := s.client.ParseReference(canonical)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	p.Printf("The push refers to repository [%s]", Familiar(r.Context().Name()))
	repo, err := s.client.Repo(ctx, r.Context(), true)
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push %s: %w", ref, err)
	}
	if err := s.pushBlobs(ctx, repo, img, p); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push %s: %w", ref, err)
	}
	data, err := s.Content.ReadBlob(img.Target.Digest)
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	tag := r.Identifier()
	if err := repo.PushManifest(ctx, tag, img.Target.MediaType, data); err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("push %s: %w", ref, err)
	}
	if _, ok := r.(name.Tag); ok {
		p.Printf("%s: digest: %s size: %d", tag, img.Target.Digest, len(data))
	}
	s.emit("push", Familiar(canonical), Familiar(canonical), img)
	return img.Target, nil
}

func (s *Service) pushBlobs(ctx context.Context, repo *registry.Repo, img *Image, p *progress.Progress) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, PullJobs)
	errs := make([]error, len(img.Manifest.Layers))
	for i, desc := range img.Manifest.Layers {
		bar := p.Bar(desc.Digest.String(), desc.Size, progress.Preparing)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = s.pushBlob(ctx, repo, desc, bar)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return s.pushBlob(ctx, repo, img.Manifest.Config, nil)
}

func (s *Service) pushBlob(ctx context.Context, repo *registry.Repo, desc ocispec.Descriptor, bar *progress.Bar) error {
	open := func() (io.ReadCloser, error) {
		b, err := s.Content.Open(desc.Digest)
		if err != nil {
			return nil, err
		}
		if bar == nil {
			return b, nil
		}
		bar.Set(progress.Pushing)
		return struct {
			io.Reader
			io.Closer
		}{bar.Reader(b), b}, nil
	}
	sent, err := repo.PushBlob(ctx, desc, open)
	if err != nil {
		return err
	}
	if bar != nil {
		if sent {
			bar.Set(progress.Pushed)
		} else {
			bar.Set(progress.LayerExists)
		}
	}
	return nil
}

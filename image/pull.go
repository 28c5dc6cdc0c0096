package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/content"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/registry"
	"github.com/berth-containers/berth/image/store"
	"github.com/berth-containers/berth/image/unpack"
)

// PullJobs bounds the layers downloaded at once, as Docker's
// max-concurrent-downloads (3) does; a little more suits a loopback mirror.
var PullJobs = 4

// PullOptions tune a pull.
type PullOptions struct {
	Platform *ocispec.Platform // nil: the host's
	Progress *progress.Progress
}

// Pull fetches ref from its registry into the content store, unpacks its
// layers into snapshots while the others download, and records its name.
// busybox (any tag) is the built-in image and needs no network.
func (s *Service) Pull(ctx context.Context, ref string, opts PullOptions) (_ *Image, err error) {
	canonical, err := Normalize(ref)
	if err != nil {
		return nil, err
	}
	if IsBuiltin(canonical) {
		return s.Builtin(ctx, canonical, opts.Progress)
	}
	r, err := s.client.ParseReference(canonical)
	if err != nil {
		return nil, err
	}
	release, err := s.Content.Use(ctx)
	if err != nil {
		return nil, err
	}
	defer releaseAfter(&err, release)
	p := opts.Progress
	if _, ok := r.(name.Tag); ok {
		p.Printf("%s: Pulling from %s", r.Identifier(), r.Context().RepositoryStr())
	}
	res, err := s.client.Resolve(ctx, r, opts.Platform)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	img, err := s.fetch(ctx, res, p)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", ref, err)
	}
	old, _ := s.Records.Get(canonical)
	if err := s.Records.Put(store.Record{Name: canonical, Target: res.Desc, RepoDigest: res.RepoDigest}); err != nil {
		return nil, err
	}
	p.Printf("Digest: %s", res.RepoDigest)
	if old.Target.Digest == res.Desc.Digest {
		p.Printf("Status: Image is up to date for %s", Familiar(canonical))
	} else {
		p.Printf("Status: Downloaded newer image for %s", Familiar(canonical))
	}
	s.emit("pull", Familiar(canonical), Familiar(canonical), img)
	return img, nil
}

// fetch stores the index, manifest, config and layers of res and unpacks
// the layers.
func (s *Service) fetch(ctx context.Context, res *registry.Resolved, p *progress.Progress) (*Image, error) {
	if res.Index != nil {
		if _, err := s.Content.IngestBytes(ctx, res.Index); err != nil {
			return nil, err
		}
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(res.Manifest, &m); err != nil {
		return nil, fmt.Errorf("parse manifest %s: %w", res.Desc.Digest, err)
	}
	if m.Config.Digest == "" {
		return nil, fmt.Errorf("manifest %s has no config: not an image (%s)", res.Desc.Digest, res.Desc.MediaType)
	}
	if err := s.download(ctx, res.Repo, m.Config, nil); err != nil {
		return nil, err
	}
	img := &Image{Target: res.Desc, Manifest: m, ID: m.Config.Digest}
	if err := s.readConfig(m.Config.Digest, img); err != nil {
		return nil, err
	}
	if len(img.Config.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("image config %s lists %d layers, manifest %s has %d", m.Config.Digest, len(img.Config.RootFS.DiffIDs), res.Desc.Digest, len(m.Layers))
	}
	if err := s.pullLayers(ctx, res.Repo, img, p); err != nil {
		return nil, err
	}
	if _, err := s.Content.IngestBytes(ctx, res.Manifest); err != nil {
		return nil, err
	}
	return img, nil
}

// download fetches one blob into the content store unless it is there.
func (s *Service) download(ctx context.Context, repo *registry.Repo, desc ocispec.Descriptor, bar *progress.Bar) (err error) {
	w, err := s.Content.Writer(ctx, desc.Digest, desc.Size)
	if errors.Is(err, content.ErrExists) {
		return nil
	}
	if err != nil {
		return err
	}
	defer releaseAfter(&err, w.Close)
	body, _, err := repo.Blob(ctx, desc.Digest.String())
	if err != nil {
		return err
	}
	defer body.Close()
	var r io.Reader = body
	if bar != nil {
		bar.Set(progress.Downloading)
		r = bar.Reader(body)
	}
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("download %s: %w", desc.Digest, err)
	}
	if bar != nil {
		bar.Set(progress.Verifying)
	}
	if err := w.Commit(); err != nil {
		return fmt.Errorf("download %s from %s: %w", desc.Digest, repo.Name, err)
	}
	return nil
}

// pullLayers downloads the missing layers PullJobs at a time while the
// unpacker applies them in order: layer i is extracted as soon as it is
// complete, while layers after it still download.
func (s *Service) pullLayers(ctx context.Context, repo *registry.Repo, img *Image, p *progress.Progress) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := len(img.Manifest.Layers)
	done := make([]chan struct{}, n)
	errs := make([]error, n)
	bars := make([]*progress.Bar, n)
	sem := make(chan struct{}, PullJobs)
	var wg sync.WaitGroup
	for i, desc := range img.Manifest.Layers {
		done[i] = make(chan struct{})
		if s.Content.Exists(desc.Digest) {
			bars[i] = p.Bar(desc.Digest.String(), desc.Size, progress.AlreadyExists)
			close(done[i])
			continue
		}
		bars[i] = p.Bar(desc.Digest.String(), desc.Size, progress.Waiting)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[i])
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			if errs[i] = s.download(ctx, repo, desc, bars[i]); errs[i] != nil {
				cancel()
				return
			}
			bars[i].Set(progress.DownloadComplete)
		}()
	}
	_, uerr := s.unpack(ctx, img, func(i int) error {
		<-done[i]
		return errs[i]
	}, bars)
	if uerr != nil {
		cancel()
	}
	wg.Wait()
	for i := range errs {
		if errs[i] != nil && !errors.Is(errs[i], context.Canceled) {
			return fmt.Errorf("layer %s: %w", img.Manifest.Layers[i].Digest, errs[i])
		}
	}
	return uerr
}

// unpack applies img's layers into snapshots. wait(i) blocks until layer
// i's blob is in the content store.
func (s *Service) unpack(ctx context.Context, img *Image, wait func(i int) error, bars []*progress.Bar) (digest.Digest, error) {
	sn, err := s.Snapshotter()
	if err != nil {
		return "", err
	}
	layers := make([]unpack.Layer, len(img.Manifest.Layers))
	for i, desc := range img.Manifest.Layers {
		layers[i] = unpack.Layer{DiffID: img.Config.RootFS.DiffIDs[i], Open: func() (io.ReadCloser, error) {
			if err := wait(i); err != nil {
				return nil, err
			}
			b, err := s.Content.Open(desc.Digest)
			if err != nil {
				return nil, err
			}
			bar := bars[i]
			if bar == nil {
				return b, nil
			}
			bar.Set(progress.Extracting)
			return &extractReader{Reader: bar.Reader(b), c: b, bar: bar}, nil
		}}
	}
	chain, err := unpack.Unpack(ctx, sn, layers)
	if err != nil {
		return "", fmt.Errorf("unpack image %s: %w", img.ID, err)
	}
	for _, b := range bars {
		if b != nil && b.State() != progress.AlreadyExists {
			b.Set(progress.PullComplete)
		}
	}
	return chain, nil
}

// extractReader marks a layer complete when the unpacker is done with it.
type extractReader struct {
	io.Reader
	c   io.Closer
	bar *progress.Bar
}

func (e *extractReader) Close() error {
	e.bar.Set(progress.PullComplete)
	return e.c.Close()
}

// shortID is the 12 hex characters Docker shows for an ID.
func shortID(d digest.Digest) string {
	s := d.Encoded()
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}

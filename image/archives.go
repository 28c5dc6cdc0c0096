package image

import (
	"context"
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image/archive"
	"github.com/berth-containers/berth/image/build"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/store"
)

// Load reads a docker-save or OCI archive, unpacks its images and names
// them; it returns what `load` prints ("Loaded image: busybox:latest").
func (s *Service) Load(ctx context.Context, r io.Reader, platform *ocispec.Platform) (loaded []string, err error) {
	release, err := s.Content.Use(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		// Released before the clean-up below: GC takes the lock exclusively.
		if rerr := release(); rerr != nil {
			err = errors.Join(err, fmt.Errorf("release the content store: %w", rerr))
		}
		if err != nil {
			// The blobs and snapshots of what was not recorded go: a
			// failed load leaves nothing behind.
			if _, gcErr := s.GC(context.WithoutCancel(ctx)); gcErr != nil {
				err = errors.Join(err, fmt.Errorf("clean up after the failed load: %w", gcErr))
			}
		}
	}()
	return s.loadArchive(ctx, r, platform)
}

func (s *Service) loadArchive(ctx context.Context, r io.Reader, platform *ocispec.Platform) ([]string, error) {
	imgs, err := archive.Load(ctx, s.Content, r, platform)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	var loaded []string
	var done []*Image
	for _, a := range imgs {
		img, err := s.load(a.Manifest)
		if err != nil {
			return loaded, fmt.Errorf("load: %w", err)
		}
		if err := s.unpackLocal(ctx, img); err != nil {
			return loaded, fmt.Errorf("load: %w", err)
		}
		done = append(done, img)
		if len(a.Names) == 0 {
			if err := s.Records.Put(store.Record{Target: a.Manifest}); err != nil {
				return loaded, err
			}
			loaded = append(loaded, "Loaded image ID: "+img.ID.String())
		}
		for _, n := range a.Names {
			canonical, err := Normalize(n)
			if err != nil {
				return loaded, fmt.Errorf("load: image name in archive: %w", err)
			}
			if err := s.Records.Put(store.Record{Name: canonical, Target: a.Manifest}); err != nil {
				return loaded, err
			}
			loaded = append(loaded, "Loaded image: "+Familiar(canonical))
		}
	}
	for _, img := range done {
		s.emitID("load", img)
	}
	return loaded, nil
}

// unpackLocal unpacks an image whose blobs are all in the content store.
func (s *Service) unpackLocal(ctx context.Context, img *Image) error {
	for _, l := range img.Manifest.Layers {
		if !s.Content.Exists(l.Digest) {
			return fmt.Errorf("image %s lacks layer %s", img.ID, l.Digest)
		}
	}
	_, err := s.unpack(ctx, img, func(int) error { return nil }, make([]*progress.Bar, len(img.Manifest.Layers)))
	return err
}

// Save writes the images refs name to w as one archive in format
// (archive.FormatDocker or archive.FormatOCI).
func (s *Service) Save(ctx context.Context, w io.Writer, refs []string, format string) (err error) {
	// Shared GC lock: the blobs stay while they are read, and GC knows
	// the save's temp files in ingest/ are in flight.
	release, err := s.Content.Use(ctx)
	if err != nil {
		return err
	}
	defer releaseAfter(&err, release)
	var items []archive.SaveImage
	var saved []*Image
	for _, ref := range refs {
		img, err := s.Get(ctx, ref)
		if err != nil {
			return err
		}
		saved = append(saved, img)
		// As docker save: the name asked for, or none for an image
		// asked for by ID.
		var names []string
		if canonical, err := Normalize(ref); err == nil && match1(img, canonical) {
			names = []string{canonical}
		}
		items = append(items, archive.SaveImage{Names: names, Manifest: img.Target, Parsed: img.Manifest, Config: img.Config})
	}
	if err := archive.Save(ctx, s.Content, w, items, format); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	for _, img := range saved {
		s.emitID("save", img)
	}
	return nil
}

// match1 reports whether img has the canonical name.
func match1(img *Image, canonical string) bool {
	for _, r := range img.Records {
		if r.Name == canonical {
			return true
		}
	}
	return false
}

// Import makes a one-layer image of a rootfs tarball, named ref (empty:
// dangling), unpacked and ready to run.
func (s *Service) Import(ctx context.Context, r io.Reader, ref string, opts build.ImportOptions) (_ *Image, err error) {
	canonical := ""
	if ref != "" {
		if canonical, err = Normalize(ref); err != nil {
			return nil, err
		}
	}
	release, err := s.Content.Use(ctx)
	if err != nil {
		return nil, err
	}
	defer releaseAfter(&err, release)
	desc, err := build.Import(ctx, s.Content, r, opts)
	if err != nil {
		return nil, err
	}
	img, err := s.load(desc)
	if err != nil {
		return nil, err
	}
	if err := s.unpackLocal(ctx, img); err != nil {
		return nil, fmt.Errorf("import %s: %w", opts.Source, err)
	}
	if err := s.Records.Put(store.Record{Name: canonical, Target: desc}); err != nil {
		return nil, err
	}
	s.emitID("import", img)
	return img, nil
}

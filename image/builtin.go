package image

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image/build"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/store"
	"github.com/berth-containers/berth/internal/busyboxfs"
)

// builtinRepo is the repository whose every tag is the built-in image.
const builtinRepo = "docker.io/library/busybox"

// epoch is the fixed time of every file and of the built-in image, so that
// it has the same ID on every machine with the same busybox.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// IsBuiltin reports whether a canonical name is the built-in busybox.
func IsBuiltin(canonical string) bool {
	repo, _, _ := strings.Cut(canonical, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	return repo == builtinRepo && !strings.Contains(canonical, "@")
}

// Builtin makes canonical (busybox:<any tag>) name the image built from
// the host's static busybox, building and unpacking it the first time. No
// network is used.
func (s *Service) Builtin(ctx context.Context, canonical string, p *progress.Progress) (_ *Image, err error) {
	p.Printf("Using berth's built-in busybox image for %s (built from the host's %s, no network)", Familiar(canonical), busyboxfs.DefaultBinary)
	release, err := s.Content.Use(ctx)
	if err != nil {
		return nil, err
	}
	defer releaseAfter(&err, release)
	desc, err := s.buildBusybox(ctx)
	if err != nil {
		return nil, fmt.Errorf("built-in busybox: %w", err)
	}
	img, err := s.load(desc)
	if err != nil {
		return nil, err
	}
	if err := s.unpackLocal(ctx, img); err != nil {
		return nil, err
	}
	if err := s.Records.Put(store.Record{Name: canonical, Target: desc}); err != nil {
		return nil, err
	}
	p.Printf("Status: Image is ready: %s (ID %s)", Familiar(canonical), shortID(img.ID))
	s.emit("pull", Familiar(canonical), Familiar(canonical), img)
	return img, nil
}

// buildBusybox writes the layer, config and manifest of the built-in
// image; they are content-addressed, so a second build reuses the blobs.
func (s *Service) buildBusybox(ctx context.Context) (_ ocispec.Descriptor, err error) {
	dir, err := os.MkdirTemp(filepath.Join(s.root, "ingest"), "busybox-")
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	defer releaseAfter(&err, func() error { return os.RemoveAll(dir) })
	if err := busyboxfs.Build(dir, ""); err != nil {
		return ocispec.Descriptor{}, err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(build.WriteTar(pw, dir, epoch)) }()
	layer, size, err := s.Content.IngestUnknown(ctx, pr)
	_ = pr.Close() // an io.PipeReader's Close always returns nil
	if err != nil {
		return ocispec.Descriptor{}, err
	}
	cfg := ocispec.Image{
		Created:  &epoch,
		Platform: ocispec.Platform{OS: "linux", Architecture: runtime.GOARCH},
		Config: ocispec.ImageConfig{
			Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
			Cmd: []string{"sh"},
		},
		RootFS:  ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{layer}},
		History: []ocispec.History{{Created: &epoch, CreatedBy: "berth: built-in busybox from " + busyboxfs.DefaultBinary, Comment: "built locally, no network"}},
	}
	return build.WriteImage(ctx, s.Content, cfg, []ocispec.Descriptor{{MediaType: ocispec.MediaTypeImageLayer, Digest: layer, Size: size}})
}

package image

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/image/unpack"
	"github.com/berth-containers/berth/internal/filters"
)

// Row is one line of `images`: an image under one of its names.
type Row struct {
	Image      *Image
	Repository string
	Tag        string
	Digest     string
	Created    time.Time
	Size       int64
}

// Filter selects the rows of `images --filter`.
type Filter struct {
	Dangling   *bool
	References []string // globs on repo or repo:tag
	Labels     []string // key or key=value
	// Intermediate are image IDs left out while untagged: the build
	// cache's step images, which Docker lists only with -a.
	Intermediate map[digest.Digest]bool
}

// ParseFilters parses Docker's key=value filters.
func ParseFilters(args []string) (Filter, error) {
	var f Filter
	byKey, err := filters.Set{
		Keys: []string{"dangling", "reference", "label"},
		Check: func(k, v string) error {
			if k != "dangling" {
				return nil
			}
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("bad filter %q: dangling takes true or false", k+"="+v)
			}
			f.Dangling = &b // a later dangling overrides an earlier one
			return nil
		},
		Format: func(a string) error {
			return fmt.Errorf("bad filter %q: want key=value (dangling=true, reference=busybox*, label=key=value)", a)
		},
		Key: func(a, _ string) error {
			return fmt.Errorf("bad filter %q: supported are dangling, reference and label", a)
		},
	}.Parse(args)
	if err != nil {
		return Filter{}, err
	}
	f.References, f.Labels = byKey["reference"], byKey["label"]
	return f, nil
}

func (f Filter) match(r Row) bool {
	if f.Dangling != nil && *f.Dangling != (r.Repository == "<none>") {
		return false
	}
	if r.Repository == "<none>" && f.Intermediate[r.Image.ID] {
		return false
	}
	if len(f.References) > 0 && !f.matchReference(r) {
		return false
	}
	for _, l := range f.Labels {
		if !filters.MatchLabel(r.Image.Config.Config.Labels, l) {
			return false
		}
	}
	return true
}

func (f Filter) matchReference(r Row) bool {
	for _, pat := range f.References {
		for _, s := range []string{r.Repository, r.Repository + ":" + r.Tag} {
			if ok, _ := path.Match(pat, s); ok {
				return true
			}
		}
	}
	return false
}

// Rows lists images as `images` shows them: one row per repo:tag, one row
// for an image with none; filtered.
func (s *Service) Rows(ctx context.Context, f Filter) ([]Row, error) {
	imgs, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var rows []Row
	for _, img := range imgs {
		base := Row{Image: img, Repository: "<none>", Tag: "<none>", Digest: "<none>", Size: s.Size(ctx, img)}
		if img.Config.Created != nil {
			base.Created = *img.Config.Created
		}
		names := img.RepoTags
		if len(names) == 0 {
			names = img.RepoDigests
		}
		if len(names) == 0 {
			names = []string{""}
		}
		for _, n := range names {
			r := base
			if n != "" {
				r.Repository, r.Tag = SplitName(n)
				r.Digest = digestOf(img.RepoDigests, r.Repository)
			}
			if f.match(r) {
				rows = append(rows, r)
			}
		}
	}
	return rows, nil
}

func digestOf(repoDigests []string, repo string) string {
	for _, rd := range repoDigests {
		if r, d, ok := strings.Cut(rd, "@"); ok && r == repo {
			return d
		}
	}
	return "<none>"
}

// Size is the image's unpacked size: the disk usage of its layer snapshots,
// or the sum of its (compressed) blobs when they are not unpacked.
func (s *Service) Size(ctx context.Context, img *Image) int64 {
	var total int64
	for _, sz := range s.LayerSizes(ctx, img) {
		total += sz
	}
	return total
}

// LayerSizes is the unpacked size of each layer.
func (s *Service) LayerSizes(ctx context.Context, img *Image) []int64 {
	sizes := make([]int64, len(img.Manifest.Layers))
	chains := unpack.ChainIDs(img.Config.RootFS.DiffIDs)
	sn, err := s.Snapshotter()
	for i, l := range img.Manifest.Layers {
		sizes[i] = l.Size
		if err != nil || i >= len(chains) {
			continue
		}
		if u, uerr := sn.Usage(ctx, chains[i].String()); uerr == nil {
			sizes[i] = u.Size
		}
	}
	return sizes
}

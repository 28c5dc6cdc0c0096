package image

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image/store"
)

// ErrNotFound is returned when no local image matches a reference.
var ErrNotFound = errors.New("no such image")

// NotFoundError names the reference that matched no local image, so the CLI
// can word it as Docker does; errors.Is(err, ErrNotFound) holds for it.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s: %s (pull it with: berth pull %s)", e.Ref, ErrNotFound, e.Ref)
}
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// List returns every image, one per manifest, with all its names.
func (s *Service) List(ctx context.Context) ([]*Image, error) {
	recs, err := s.Records.List()
	if err != nil {
		return nil, err
	}
	byTarget := map[digest.Digest]*Image{}
	var out []*Image
	for _, r := range recs {
		img, ok := byTarget[r.Target.Digest]
		if !ok {
			if img, err = s.load(r.Target); err != nil {
				return nil, fmt.Errorf("image %s: %w", store.Key(r), err)
			}
			byTarget[r.Target.Digest] = img
			out = append(out, img)
		}
		addRecord(img, r)
	}
	return out, nil
}

func addRecord(img *Image, r store.Record) {
	img.Records = append(img.Records, r)
	if r.Name == "" {
		return
	}
	f := Familiar(r.Name)
	repo, _ := SplitName(f)
	if strings.Contains(f, "@") {
		img.RepoDigests = appendNew(img.RepoDigests, f)
	} else {
		img.RepoTags = appendNew(img.RepoTags, f)
	}
	if r.RepoDigest != "" {
		img.RepoDigests = appendNew(img.RepoDigests, repo+"@"+r.RepoDigest.String())
	}
}

func appendNew(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// Get finds a local image by name, full or short ID (config digest), or
// repo@digest as pulled. Only the image found is read whole: the others'
// names come from their records, and their IDs from their manifests, each
// read once per process (a manifest's digest fixes its config's), so the
// many lookups of a build do not re-read every image in the store.
func (s *Service) Get(ctx context.Context, ref string) (*Image, error) {
	recs, err := s.Records.List()
	if err != nil {
		return nil, err
	}
	byTarget := map[digest.Digest]*Image{}
	var stubs []*Image
	for _, r := range recs {
		img, ok := byTarget[r.Target.Digest]
		if !ok {
			img = &Image{Target: r.Target}
			byTarget[r.Target.Digest] = img
			stubs = append(stubs, img)
		}
		addRecord(img, r)
	}
	if id := strings.TrimPrefix(ref, "sha256:"); isHex(id) && len(id) >= 4 {
		for _, img := range stubs {
			if img.ID, err = s.configDigest(img.Target); err != nil {
				return nil, fmt.Errorf("image %s: %w", store.Key(img.Records[0]), err)
			}
		}
	}
	found, err := match(stubs, ref)
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, &NotFoundError{Ref: ref}
	}
	img, err := s.load(found.Target)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", store.Key(found.Records[0]), err)
	}
	img.Records, img.RepoTags, img.RepoDigests = found.Records, found.RepoTags, found.RepoDigests
	return img, nil
}

// configDigest is the config digest (the image ID) the manifest target
// names, read from the content store the first time only.
func (s *Service) configDigest(target ocispec.Descriptor) (digest.Digest, error) {
	if d, ok := s.configs.Load(target.Digest); ok {
		return d.(digest.Digest), nil
	}
	var m ocispec.Manifest
	if err := s.readJSON(target.Digest, &m); err != nil {
		return "", fmt.Errorf("image manifest %s: %w (pull the image again)", target.Digest, err)
	}
	s.configs.Store(target.Digest, m.Config.Digest)
	return m.Config.Digest, nil
}

func match(imgs []*Image, ref string) (*Image, error) {
	if id := strings.TrimPrefix(ref, "sha256:"); isHex(id) && len(id) >= 4 {
		var found []*Image
		for _, img := range imgs {
			if strings.HasPrefix(img.ID.Encoded(), id) {
				found = append(found, img)
			}
		}
		if len(found) == 1 {
			return found[0], nil
		}
		if len(found) > 1 && !sameID(found) {
			return nil, fmt.Errorf("image ID prefix %s is ambiguous: give more characters", id)
		}
		if len(found) > 1 {
			return found[0], nil
		}
	}
	canonical, err := Normalize(ref)
	if err != nil {
		return nil, err
	}
	familiar := Familiar(canonical)
	for _, img := range imgs {
		if slices.Contains(img.RepoTags, familiar) || slices.Contains(img.RepoDigests, familiar) {
			return img, nil
		}
	}
	return nil, nil
}

func sameID(imgs []*Image) bool {
	for _, img := range imgs[1:] {
		if img.ID != imgs[0].ID {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// Tag gives the image src the name dst.
func (s *Service) Tag(ctx context.Context, src, dst string) error {
	img, err := s.Get(ctx, src)
	if err != nil {
		return err
	}
	name, err := Normalize(dst)
	if err != nil {
		return err
	}
	if strings.Contains(name, "@") {
		return fmt.Errorf("tag %s: a tag cannot be a digest (use name:tag)", dst)
	}
	if err := s.Records.Put(store.Record{Name: name, Target: img.Target}); err != nil {
		return err
	}
	s.emit("tag", img.ID.String(), Familiar(name), img)
	return nil
}

// RemoveResult says what rmi did, in Docker's words.
type RemoveResult struct {
	Untagged []string
	Deleted  []digest.Digest
}

// Remove untags ref; when ref was the image's last name (or ref is an ID)
// the image is deleted and its blobs and snapshots collected. An image a
// container uses is refused unless force.
func (s *Service) Remove(ctx context.Context, ref string, force bool) (RemoveResult, error) {
	var res RemoveResult
	img, err := s.Get(ctx, ref)
	if err != nil {
		return res, err
	}
	byID := strings.HasPrefix(img.ID.Encoded(), strings.TrimPrefix(ref, "sha256:"))
	names := len(img.RepoTags) + len(img.RepoDigests)
	if !byID && names > 1 && !force {
		name, _ := Normalize(ref)
		if _, err := s.Records.Delete(name); err != nil {
			return res, err
		}
		res.Untagged = append(res.Untagged, Familiar(name))
		s.emitID("untag", img)
		return res, nil
	}
	if byID && len(img.RepoTags) > 1 && !force {
		return res, fmt.Errorf("unable to delete %s (must be forced): image is referenced in multiple repositories", img.ID.Encoded()[:12])
	}
	if users, err := s.inUse.ContainersUsing(ctx, img.ID); err != nil {
		return res, err
	} else if len(users) > 0 && !force {
		return res, fmt.Errorf("unable to remove %s: image is in use by container %s (remove the container or use -f)", ref, strings.Join(users, ", "))
	}
	removed, err := s.Records.DeleteImage(img.Target.Digest)
	if err != nil {
		return res, err
	}
	for _, r := range removed {
		if r.Name != "" {
			res.Untagged = append(res.Untagged, Familiar(r.Name))
			s.emitID("untag", img)
		}
	}
	res.Deleted = append(res.Deleted, img.ID)
	s.emitID("delete", img)
	if _, err := s.GC(ctx); err != nil {
		return res, fmt.Errorf("image %s removed, but cleaning its blobs failed: %w (run berth image prune)", ref, err)
	}
	return res, nil
}

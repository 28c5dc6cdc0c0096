// Package content is berth's content-addressed blob store. On disk it is an
// OCI image layout, so other tools can read it as one:
//
//	<root>/oci-layout             {"imageLayoutVersion":"1.0.0"}
//	<root>/blobs/sha256/<hex>     complete, verified blobs only
//	<root>/ingest/<hex>.data      a blob being written (partial)
//	<root>/ingest/<hex>.lock      flock held by the one writer of <hex>
//	<root>/ingest/gc.lock         shared by writers, exclusive for a sweep
//
// A blob appears under blobs/ only after its size and sha256 were checked
// while it streamed in, it was fsynced, and renamed into place; readers never
// see a partial blob. Concurrent processes writing the same digest serialize
// on its lock: the second finds the blob committed and reuses it.
package content

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
)

var (
	// ErrNotFound is returned for a blob the store does not hold.
	ErrNotFound = errors.New("blob not found")
	// ErrExists is returned by Writer when the blob is already committed.
	ErrExists = errors.New("blob already exists")
	// ErrMismatch is returned when written content does not match the
	// expected digest or size.
	ErrMismatch = errors.New("content does not match its descriptor")
)

// Store is a content store rooted at a directory.
type Store struct {
	root string
}

// Info describes a committed blob.
type Info struct {
	Digest    digest.Digest
	Size      int64
	CreatedAt time.Time
}

// New opens the store at root, creating the layout if needed.
func New(root string) (*Store, error) {
	for _, d := range []string{filepath.Join(root, "blobs", "sha256"), filepath.Join(root, "ingest")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("content store %s: %w", root, err)
		}
	}
	layout := filepath.Join(root, ocispec.ImageLayoutFile)
	if _, err := os.Stat(layout); errors.Is(err, fs.ErrNotExist) {
		data := []byte(`{"imageLayoutVersion":"` + ocispec.ImageLayoutVersion + `"}`)
		if err := atomicfile.WriteFile(layout, data, 0o644); err != nil {
			return nil, err
		}
	}
	return &Store{root: root}, nil
}

// Root is the directory of the store.
func (s *Store) Root() string { return s.root }

// BlobPath is where the committed blob d lives. It rejects digests that are
// not valid sha256 digests, so the result is always inside the store.
func (s *Store) BlobPath(d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("blob %q: %w", d, err)
	}
	if d.Algorithm() != digest.SHA256 {
		return "", fmt.Errorf("blob %s: only sha256 is supported", d)
	}
	return filepath.Join(s.root, "blobs", "sha256", d.Encoded()), nil
}

// Info stats a committed blob.
func (s *Store) Info(d digest.Digest) (Info, error) {
	p, err := s.BlobPath(d)
	if err != nil {
		return Info{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return Info{}, fmt.Errorf("blob %s: %w", d, ErrNotFound)
		}
		return Info{}, fmt.Errorf("blob %s: %w", d, err)
	}
	return Info{Digest: d, Size: st.Size(), CreatedAt: st.ModTime()}, nil
}

// Exists reports whether the blob is committed.
func (s *Store) Exists(d digest.Digest) bool {
	_, err := s.Info(d)
	return err == nil
}

// Blob is an open committed blob: a ReaderAt that also streams.
type Blob struct {
	*os.File
	size int64
}

// Size is the blob's length in bytes.
func (b *Blob) Size() int64 { return b.size }

// Open opens a committed blob for reading.
func (s *Store) Open(d digest.Digest) (*Blob, error) {
	p, err := s.BlobPath(d)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("blob %s: %w", d, ErrNotFound)
		}
		return nil, fmt.Errorf("open blob %s: %w", d, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat blob %s: %w", d, err)
	}
	return &Blob{File: f, size: st.Size()}, nil
}

// ReadBlob reads a whole blob; for small ones only (manifests, configs).
func (s *Store) ReadBlob(d digest.Digest) ([]byte, error) {
	b, err := s.Open(d)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	data, err := io.ReadAll(b)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", d, err)
	}
	return data, nil
}

// Delete removes a committed blob. Deleting a missing blob is not an error.
func (s *Store) Delete(d digest.Digest) error {
	p, err := s.BlobPath(d)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", d, err)
	}
	return nil
}

// Walk calls fn for every committed blob.
func (s *Store) Walk(fn func(Info) error) error {
	dir := filepath.Join(s.root, "blobs", "sha256")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list blobs in %s: %w", dir, err)
	}
	for _, e := range entries {
		d := digest.NewDigestFromEncoded(digest.SHA256, e.Name())
		if d.Validate() != nil {
			continue // not ours: a stray file must not stop a walk
		}
		info, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return fmt.Errorf("stat blob %s: %w", d, err)
		}
		if err := fn(Info{Digest: d, Size: info.Size(), CreatedAt: info.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

// Use holds the store's GC lock shared until release is called: a sweep
// waits, so blobs written but not yet referenced by an image record are not
// collected under a pull.
func (s *Store) Use(ctx context.Context) (release func() error, err error) {
	l, err := lockFile(ctx, filepath.Join(s.root, "ingest", "gc.lock"), unix.LOCK_SH, true)
	if err != nil {
		return nil, err
	}
	return l.Unlock, nil
}

// Sweep deletes every committed blob that mark does not return. mark runs
// with the GC lock held exclusively, so no writer is between committing a
// blob and recording a reference to it; the caller may collect its own
// objects (snapshots) there too. Sweep returns the blobs removed and their
// total size.
func (s *Store) Sweep(ctx context.Context, mark func() (map[digest.Digest]bool, error)) (_ []digest.Digest, _ int64, err error) {
	l, err := lockFile(ctx, filepath.Join(s.root, "ingest", "gc.lock"), unix.LOCK_EX, true)
	if err != nil {
		return nil, 0, err
	}
	defer releaseAfter(&err, l.Unlock)
	keep, err := mark()
	if err != nil {
		return nil, 0, err
	}
	if err := s.sweepIngest(); err != nil {
		return nil, 0, err
	}
	var removed []digest.Digest
	var size int64
	err = s.Walk(func(i Info) error {
		if keep[i.Digest] {
			return nil
		}
		if err := s.Delete(i.Digest); err != nil {
			return err
		}
		removed = append(removed, i.Digest)
		size += i.Size
		return nil
	})
	return removed, size, err
}

// sweepIngest deletes what killed writers left in ingest/: partial blobs,
// their digest locks, and temp files and dirs. Every writer holds the GC
// lock shared for as long as its files exist (Use), so with it held
// exclusively nothing there is in flight, but gc.lock itself.
func (s *Store) sweepIngest() error {
	dir := filepath.Join(s.root, "ingest")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	var errs []error
	for _, e := range entries {
		if e.Name() == "gc.lock" {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, fmt.Errorf("content store: remove leftover %s: %w", e.Name(), err))
		}
	}
	return errors.Join(errs...)
}

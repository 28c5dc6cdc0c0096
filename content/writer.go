package content

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	"golang.org/x/sys/unix"
)

// Writer streams one blob of known digest into the store. Create it with
// Store.Writer, Write the content, then Commit; Close without Commit (or
// after a failed Commit) removes the partial file. Close is always safe.
type Writer struct {
	s        *Store
	expected digest.Digest
	size     int64 // expected size, -1 when unknown
	f        *os.File
	h        hash.Hash
	n        int64
	lock     *fileLock
	release  func() error
}

// Writer starts writing the blob d of the given size (-1 if unknown). It
// waits for any other writer of d, in this process or another; if the blob
// is committed by then it returns an error wrapping ErrExists and the caller
// reuses the blob.
func (s *Store) Writer(ctx context.Context, d digest.Digest, size int64) (*Writer, error) {
	p, err := s.BlobPath(d)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(p); err == nil {
		return nil, fmt.Errorf("blob %s: %w", d, ErrExists)
	}
	release, err := s.Use(ctx)
	if err != nil {
		return nil, err
	}
	w, err := s.openWriter(ctx, d, size, p)
	if err != nil {
		return nil, errors.Join(err, release())
	}
	w.release = release
	return w, nil
}

func (s *Store) openWriter(ctx context.Context, d digest.Digest, size int64, blob string) (*Writer, error) {
	base := filepath.Join(s.root, "ingest", d.Encoded())
	l, err := lockFile(ctx, base+".lock", unix.LOCK_EX, false)
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", d, err)
	}
	if _, err := os.Stat(blob); err == nil {
		return nil, errors.Join(fmt.Errorf("blob %s: %w", d, ErrExists), l.Unlock())
	}
	// We hold the digest's lock: whatever is in the data file was left by
	// a writer that died, so start over.
	f, err := os.OpenFile(base+".data", os.O_WRONLY|os.O_CREATE|os.O_TRUNC|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("blob %s: open ingest file: %w", d, err), l.Unlock())
	}
	return &Writer{s: s, expected: d, size: size, f: f, h: sha256.New(), lock: l}, nil
}

// Write appends p, hashing it. Writing past the expected size fails at once
// rather than filling the disk with a hostile stream.
func (w *Writer) Write(p []byte) (int, error) {
	if w.f == nil {
		return 0, fmt.Errorf("blob %s: write after close", w.expected)
	}
	if w.size >= 0 && w.n+int64(len(p)) > w.size {
		return 0, fmt.Errorf("blob %s: more than the expected %d bytes: %w", w.expected, w.size, ErrMismatch)
	}
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if err != nil {
		return n, fmt.Errorf("blob %s: write ingest file: %w", w.expected, err)
	}
	return n, nil
}

// Written is the number of bytes written so far.
func (w *Writer) Written() int64 { return w.n }

// Commit checks size and digest, fsyncs and renames the blob into place.
// On a mismatch the partial file is removed and the error wraps ErrMismatch.
func (w *Writer) Commit() (err error) {
	if w.f == nil {
		return fmt.Errorf("blob %s: commit after close", w.expected)
	}
	defer releaseAfter(&err, w.Close)
	if w.size >= 0 && w.n != w.size {
		return fmt.Errorf("blob %s: got %d bytes, expected %d: %w", w.expected, w.n, w.size, ErrMismatch)
	}
	got := digest.NewDigest(digest.SHA256, w.h)
	if got != w.expected {
		return fmt.Errorf("blob %s: content hashes to %s: %w", w.expected, got, ErrMismatch)
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("blob %s: sync: %w", w.expected, err)
	}
	blob, _ := w.s.BlobPath(w.expected)
	if err := os.Rename(w.f.Name(), blob); err != nil {
		return fmt.Errorf("blob %s: commit: %w", w.expected, err)
	}
	return nil
}

// Close abandons an uncommitted write, removing the partial file, and
// releases the locks.
func (w *Writer) Close() error {
	if w.f == nil {
		return nil
	}
	name := w.f.Name()
	err := w.f.Close()
	w.f = nil
	if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
		err = fmt.Errorf("blob %s: remove ingest file: %w", w.expected, rerr)
	}
	if uerr := w.lock.Unlock(); uerr != nil && err == nil {
		err = uerr
	}
	if w.release != nil {
		if rerr := w.release(); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// Ingest copies r into the store as blob d of the given size (-1 unknown),
// verifying it. An already committed blob is not an error: r is not read.
func (s *Store) Ingest(ctx context.Context, d digest.Digest, size int64, r io.Reader) (err error) {
	w, err := s.Writer(ctx, d, size)
	if errors.Is(err, ErrExists) {
		return nil
	}
	if err != nil {
		return err
	}
	defer releaseAfter(&err, w.Close)
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("blob %s: %w", d, err)
	}
	return w.Commit()
}

// IngestUnknown stores r, whose digest is not known in advance (an archive
// member, an imported tarball), and returns its digest and size.
func (s *Store) IngestUnknown(ctx context.Context, r io.Reader) (_ digest.Digest, _ int64, err error) {
	release, err := s.Use(ctx)
	if err != nil {
		return "", 0, err
	}
	defer releaseAfter(&err, release)
	tmp, err := os.CreateTemp(filepath.Join(s.root, "ingest"), "unknown-*.data")
	if err != nil {
		return "", 0, fmt.Errorf("content store: create ingest file: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if err != nil {
		return "", 0, fmt.Errorf("content store: ingest: %w", err)
	}
	d := digest.NewDigest(digest.SHA256, h)
	if err := tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("blob %s: sync: %w", d, err)
	}
	blob, _ := s.BlobPath(d)
	if err := os.Rename(tmp.Name(), blob); err != nil {
		return "", 0, fmt.Errorf("blob %s: commit: %w", d, err)
	}
	return d, n, nil
}

// IngestBytes stores a small blob held in memory (a manifest, a config).
func (s *Store) IngestBytes(ctx context.Context, data []byte) (digest.Digest, error) {
	d := digest.FromBytes(data)
	return d, s.Ingest(ctx, d, int64(len(data)), bytes.NewReader(data))
}

// Package tarball reads the local tar archives that ADD unpacks: plain,
// gzip, bzip2, xz or zstd, told apart by their magic bytes and, as Docker
// does, by a tar header at the start of the decompressed stream (a file
// that only looks compressed is no archive), and writes their entries into
// a layer under the destination.
package tarball

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Open opens p's decompressed stream when it is a tar archive; ok is
// false for any other file.
func Open(p string) (r io.Reader, closeFn func() error, ok bool, err error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, nil, false, fmt.Errorf("ADD %s: %w", p, err)
	}
	br := bufio.NewReaderSize(f, 64<<10)
	dec, err := decompress(br)
	if err != nil {
		f.Close()
		return nil, nil, false, nil // a compressed header and no valid stream: a plain file
	}
	// Docker's test: the decompressed stream starts with a tar header.
	head := bufio.NewReaderSize(dec, 64<<10)
	block, err := head.Peek(512)
	if err != nil || !tarHeader(block) {
		f.Close()
		return nil, nil, false, nil
	}
	return head, f.Close, true, nil
}

// decompress wraps r in the decompressor its magic bytes name.
func decompress(r *bufio.Reader) (io.Reader, error) {
	magic, _ := r.Peek(6)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return gzip.NewReader(r)
	case bytes.HasPrefix(magic, []byte("BZh")):
		return bzip2.NewReader(r), nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}):
		return xz.NewReader(r)
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return d.IOReadCloser(), nil
	}
	return r, nil
}

// tarHeader reports whether block is a tar header: its checksum matches.
func tarHeader(block []byte) bool {
	_, err := tar.NewReader(bytes.NewReader(block)).Next()
	return err == nil || errors.Is(err, io.ErrUnexpectedEOF)
}

// Override is what --chown and --chmod set on every entry.
type Override struct {
	Chown    bool // UID and GID replace the archive's owners
	UID, GID int
	Mode     *fs.FileMode // nil: the archive's modes
	Clamp    time.Time    // non-zero: no entry's time is later
}

// Is reports whether p is a tar archive, plain or compressed.
func Is(p string) bool {
	_, closeFn, ok, err := Open(p)
	if err != nil || !ok {
		return false
	}
	closeFn()
	return true
}

// Rebase copies the archive src's entries into tw under dest, each name
// cleaned so that none climbs out of it (a hard link's target too). The
// owners and modes are the archive's unless o says otherwise. Overlay
// whiteouts are not carried: an archive adds files, it does not delete
// the image's.
func Rebase(tw *tar.Writer, src, dest string, o Override) error {
	r, closeFn, ok, err := Open(src)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("ADD %s: no longer a tar archive", src)
	}
	defer closeFn()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ADD %s: %w", src, err)
		}
		name := path.Clean("/" + h.Name)
		if name == "/" || strings.HasPrefix(path.Base(name), ".wh.") {
			continue
		}
		h.Name = strings.TrimPrefix(path.Join(dest, name), "/")
		if h.Typeflag == tar.TypeDir {
			h.Name += "/"
		}
		if h.Typeflag == tar.TypeLink {
			h.Linkname = strings.TrimPrefix(path.Join(dest, path.Clean("/"+h.Linkname)), "/")
		}
		if o.Chown {
			h.Uid, h.Gid, h.Uname, h.Gname = o.UID, o.GID, "", ""
		}
		if o.Mode != nil && h.Typeflag != tar.TypeSymlink {
			h.Mode = int64(*o.Mode)
		}
		if !o.Clamp.IsZero() && h.ModTime.After(o.Clamp) {
			h.ModTime = o.Clamp
		}
		h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
		h.Format = tar.FormatPAX
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("ADD %s: entry %s: %w", src, h.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := io.Copy(tw, tr); err != nil {
				return fmt.Errorf("ADD %s: entry %s: %w", src, h.Name, err)
			}
		}
	}
}

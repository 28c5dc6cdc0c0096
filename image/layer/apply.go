// Package layer writes an image layer's tar stream into a snapshot
// directory (an overlay upper dir), safely: nothing a layer contains can make
// it write outside that directory.
//
// The defences, all by construction rather than by checking strings:
//
//   - Every path is resolved one component at a time from a directory fd,
//     with O_NOFOLLOW: a symlink anywhere on the way (made by this layer or,
//     for directories the layer did not list, found in a layer below) stops
//     the entry with an error. Symlinks are never followed, so ".." in a
//     link target cannot lead out.
//   - Entries are created with the *at calls (mkdirat, mknodat, symlinkat,
//     linkat, openat with O_CREAT|O_EXCL|O_NOFOLLOW) relative to the fd of
//     their parent directory, never by joined path strings.
//   - Names with a ".." component are refused; absolute names are taken as
//     relative to the root, as tar(1) does.
//   - An entry whose name exists already replaces it (the last wins, as in
//     Docker); the old one is unlinked, never written through.
//
// OCI whiteouts become overlayfs ones: ".wh.name" a 0/0 character device
// "name", ".wh..wh..opq" the xattr trusted.overlay.opaque=y on its
// directory. trusted.overlay.* xattrs in the tar itself are dropped: only
// whiteouts may make them, or a layer could forge overlay redirects.
package layer

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// ApplyOptions tunes Apply.
type ApplyOptions struct {
	// Parents are the directories of the layers below, nearest first. When
	// a layer writes under a directory it does not list itself, Apply
	// checks there that the directory is not a symlink: creating it would
	// hide the symlink, and following it is what a malicious layer wants.
	Parents []string
	// NoSameOwner keeps the caller as the owner of everything instead of
	// the owners in the tar.
	NoSameOwner bool
}

const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
	// copyBufferSize is the size of file content writes.
	copyBufferSize = 1 << 20
)

var (
	errDotDot      = errors.New("name has a \"..\" component")
	errSymlinkPath = errors.New("refusing to write through a symlink")
)

// countingReader counts the bytes of the tar stream, the layer's size.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Apply writes the uncompressed layer tar r into root, which must exist,
// and returns the number of bytes read from r. It reads r to its end, past
// the tar's end marker, so that a digest of r covers the whole stream.
func Apply(ctx context.Context, root string, r io.Reader, opts ApplyOptions) (int64, error) {
	cr := &countingReader{r: r}
	a, err := newApplier(root, opts)
	if err != nil {
		return 0, err
	}
	defer a.close()
	tr := tar.NewReader(bufio.NewReaderSize(cr, readBufferSize))
	last := ""
	for {
		if err := ctx.Err(); err != nil {
			return cr.n, fmt.Errorf("layer: apply to %s: %w", root, err)
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return cr.n, headerError(err, last)
		}
		last = hdr.Name
		if err := a.entry(hdr, tr); err != nil {
			return cr.n, err
		}
	}
	if err := a.finish(); err != nil {
		return cr.n, err
	}
	if _, err := io.CopyBuffer(io.Discard, cr, a.buf); err != nil {
		return cr.n, fmt.Errorf("layer: read past the end of the tar: %w", err)
	}
	return cr.n, nil
}

func headerError(err error, last string) error {
	switch {
	case last == "" && errors.Is(err, tar.ErrHeader):
		return fmt.Errorf("layer: not a tar stream: %w", err)
	case last == "":
		return fmt.Errorf("layer: %w in the first tar header", err)
	}
	return fmt.Errorf("layer: %w in the tar header after entry %s", err, last)
}

// cleanName turns a tar name into a path relative to the root: "" is the
// root itself.
func cleanName(name string) (string, error) {
	parts := strings.Split(name, "/")
	kept := parts[:0]
	for _, p := range parts {
		switch p {
		case "", ".":
		case "..":
			return "", errDotDot
		default:
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "/"), nil
}

// splitName splits a clean name into its parent ("" for the root) and base.
func splitName(name string) (string, string) {
	dir, base := path.Split(name)
	return strings.TrimSuffix(dir, "/"), base
}

// entry writes one tar entry.
func (a *applier) entry(hdr *tar.Header, r io.Reader) error {
	name, err := cleanName(hdr.Name)
	if err != nil {
		return fmt.Errorf("layer: refusing entry %s: %w", hdr.Name, err)
	}
	if name == "" || hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil // the root's own metadata belongs to the snapshotter
	}
	a.evictIfFull()
	parent, base := splitName(name)
	if strings.HasPrefix(base, whiteoutPrefix) {
		err = a.whiteout(parent, base)
	} else {
		err = a.create(hdr, r, name, parent, base)
	}
	var re *readError
	switch {
	case errors.As(err, &re):
		return fmt.Errorf("layer: %w in entry %s", re.err, hdr.Name)
	case err != nil:
		return fmt.Errorf("layer: entry %s: %w", hdr.Name, err)
	}
	return nil
}

// create dispatches on the entry's type.
func (a *applier) create(hdr *tar.Header, r io.Reader, name, parent, base string) error {
	pfd, err := a.dirFD(parent, true)
	if err != nil {
		return err
	}
	switch hdr.Typeflag {
	case tar.TypeReg, '\x00':
		return a.file(hdr, r, name, pfd, base)
	case tar.TypeDir:
		return a.dir(hdr, name, pfd, base)
	case tar.TypeSymlink:
		return a.symlink(hdr, name, pfd, base)
	case tar.TypeLink:
		return a.hardlink(hdr, name, pfd, base)
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		return a.node(hdr, name, pfd, base)
	}
	return fmt.Errorf("unsupported tar entry type %q", hdr.Typeflag)
}

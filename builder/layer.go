package builder

import (
	"archive/tar"
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth-containers/berth/builder/filesum"
	"github.com/berth-containers/berth/builder/tarball"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// dirInfo is a directory COPY makes on the way to its files.
type dirInfo struct{ name string }

func (d dirInfo) Name() string       { return d.name }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (d dirInfo) ModTime() time.Time { return time.Unix(0, 0) }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }

// header is an entry's tar header as the layer has it: the owner and mode
// of --chown and --chmod, the source's type, size and modification time.
func (l *copyLayer) header(e entry) (*tar.Header, error) {
	link := ""
	if e.info.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(e.src); err != nil {
			return nil, fmt.Errorf("copy %s: %w", e.src, err)
		}
	}
	h, err := tar.FileInfoHeader(e.info, link)
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", e.src, err)
	}
	h.Name = strings.TrimPrefix(e.target, "/")
	if e.info.IsDir() {
		h.Name += "/"
	}
	h.Uid, h.Gid, h.Uname, h.Gname = l.uid, l.gid, "", ""
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	if !l.clamp.IsZero() && h.ModTime.After(l.clamp) {
		h.ModTime = l.clamp
	}
	if l.mode != nil && e.src != "" && h.Typeflag != tar.TypeSymlink {
		h.Mode = int64(*l.mode)
	}
	h.Format = tar.FormatPAX
	return h, nil
}

// usable reports whether COPY carries the entry: files, directories and
// symlinks (not sockets, devices or fifos, as Docker).
func usable(e entry) bool {
	m := e.info.Mode()
	return m.IsRegular() || m.IsDir() || m&fs.ModeSymlink != 0
}

// hash is the cache's checksum of the layer: every entry's path, type,
// mode, owner, link target and content, but not its times (as Docker's).
func (l *copyLayer) hash() (digest.Digest, error) {
	h := sha256.New()
	for _, e := range l.entries {
		if e.archive {
			fmt.Fprintf(h, "archive\x00%s\x00", e.target)
			if err := l.hashFile(h, e); err != nil {
				return "", err
			}
			continue
		}
		if !usable(e) {
			continue
		}
		th, err := l.header(e)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%c\x00%o\x00%d:%d\x00%s\x00%d\x00", th.Name, th.Typeflag, th.Mode, th.Uid, th.Gid, th.Linkname, th.Size)
		if th.Typeflag == tar.TypeReg {
			if err := l.hashFile(h, e); err != nil {
				return "", err
			}
		}
	}
	return digest.NewDigestFromBytes(digest.SHA256, h.Sum(nil)), nil
}

// hashFile adds the checksum of e's content to w: from the kept sums for
// a file of the context, read for any other.
func (l *copyLayer) hashFile(w io.Writer, e entry) error {
	var sum []byte
	var err error
	if l.sums != nil && strings.HasPrefix(e.src, filepath.Clean(l.sumsRoot)+"/") {
		sum, err = l.sums.Sum(e.src, e.info)
	} else {
		sum, err = filesum.Read(e.src)
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", e.src, err)
	}
	_, err = w.Write(sum)
	return err
}

// writeTar writes the layer as an uncompressed tar.
func (l *copyLayer) writeTar(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	tw := tar.NewWriter(bw)
	for _, e := range l.entries {
		if e.archive {
			if err := tarball.Rebase(tw, e.src, e.target, tarball.Override{Chown: l.chown, UID: l.uid, GID: l.gid, Mode: l.mode, Clamp: l.clamp}); err != nil {
				return err
			}
			continue
		}
		if !usable(e) {
			continue
		}
		h, err := l.header(e)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("layer entry %s: %w", h.Name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if err := copyFile(tw, e.src, h.Size); err != nil {
				return err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

func copyFile(w io.Writer, p string, size int64) error {
	f, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("copy %s: %w", p, err)
	}
	defer f.Close()
	if _, err := io.CopyN(w, f, size); err != nil {
		return fmt.Errorf("copy %s: changed while the build read it: %w", p, err)
	}
	return nil
}

// writeLayer stores the layer's tar in the content store.
func (bd *build) writeLayer(ctx context.Context, l *copyLayer) (ocispec.Descriptor, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(l.writeTar(pw)) }()
	d, size, err := bd.Images.Content.IngestUnknown(ctx, pr)
	pr.CloseWithError(errors.New("layer ingest ended"))
	if err != nil {
		return ocispec.Descriptor{}, fmt.Errorf("write the layer: %w", err)
	}
	return ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: d, Size: size}, nil
}

package copylayer

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/builder/filesum"
	"github.com/berth-containers/berth/builder/tarball"
)

// dirInfo is a directory COPY makes on the way to its files.
type dirInfo struct{ name string }

// DirInfo is the info of a directory COPY makes: 0755, dated 1970.
func DirInfo(name string) fs.FileInfo { return dirInfo{name: name} }

func (d dirInfo) Name() string       { return d.name }
func (d dirInfo) Size() int64        { return 0 }
func (d dirInfo) Mode() fs.FileMode  { return fs.ModeDir | 0o755 }
func (d dirInfo) ModTime() time.Time { return time.Unix(0, 0) }
func (d dirInfo) IsDir() bool        { return true }
func (d dirInfo) Sys() any           { return nil }

// header is an entry's tar header as the layer has it: the owner and mode
// of --chown and --chmod, the source's type, size and modification time.
func (l *Layer) header(e Entry) (*tar.Header, error) {
	link := ""
	if e.Info.Mode()&fs.ModeSymlink != 0 {
		var err error
		if link, err = os.Readlink(e.Src); err != nil {
			return nil, fmt.Errorf("copy %s: %w", e.Src, err)
		}
	}
	h, err := tar.FileInfoHeader(e.Info, link)
	if err != nil {
		return nil, fmt.Errorf("copy %s: %w", e.Src, err)
	}
	h.Name = strings.TrimPrefix(e.Target, "/")
	if e.Info.IsDir() {
		h.Name += "/"
	}
	h.Uid, h.Gid, h.Uname, h.Gname = l.UID, l.GID, "", ""
	h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
	if !l.Clamp.IsZero() && h.ModTime.After(l.Clamp) {
		h.ModTime = l.Clamp
	}
	if l.Mode != nil && e.Src != "" && h.Typeflag != tar.TypeSymlink {
		h.Mode = int64(*l.Mode)
	}
	h.Format = tar.FormatPAX
	return h, nil
}

// usable reports whether COPY carries the entry: files, directories and
// symlinks (not sockets, devices or fifos, as Docker).
func usable(e Entry) bool {
	m := e.Info.Mode()
	return m.IsRegular() || m.IsDir() || m&fs.ModeSymlink != 0
}

// Hash is the cache's checksum of the layer: every entry's path, type,
// mode, owner, link target and content, but not its times (as Docker's).
func (l *Layer) Hash() (digest.Digest, error) {
	h := sha256.New()
	for _, e := range l.Entries {
		if e.Archive {
			fmt.Fprintf(h, "archive\x00%s\x00", e.Target)
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
func (l *Layer) hashFile(w io.Writer, e Entry) error {
	var sum []byte
	var err error
	if l.Sums != nil && strings.HasPrefix(e.Src, filepath.Clean(l.SumsRoot)+"/") {
		sum, err = l.Sums.Sum(e.Src, e.Info)
	} else {
		sum, err = filesum.Read(e.Src)
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", e.Src, err)
	}
	_, err = w.Write(sum)
	return err
}

// WriteTar writes the layer as an uncompressed tar.
func (l *Layer) WriteTar(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	tw := tar.NewWriter(bw)
	for _, e := range l.Entries {
		if e.Archive {
			if err := tarball.Rebase(tw, e.Src, e.Target, tarball.Override{Chown: l.Chown, UID: l.UID, GID: l.GID, Mode: l.Mode, Clamp: l.Clamp}); err != nil {
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
			if err := copyFile(tw, e.Src, h.Size); err != nil {
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

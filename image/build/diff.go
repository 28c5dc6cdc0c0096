package build

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/userns"
)

// OCI whiteouts, as image/layer reads them.
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// WriteOverlayDiff writes an overlayfs upper directory as an OCI layer tar
// (commit): owners, modes, times, xattrs and hard links as they are, and
// overlay's own markers in their OCI form:
//
//	char device 0/0 "name"            -> empty file ".wh.name" (deleted)
//	dir with trusted.overlay.opaque=y -> the dir, then "dir/.wh..wh..opq"
//	                                     (what lower layers had there is gone)
//
// skip, if set, is asked for each path relative to upper ("etc/hosts") and
// leaves out what it returns true for (the mount points of a container).
func WriteOverlayDiff(w io.Writer, upper string, skip func(rel string, d fs.DirEntry) bool) error {
	return WriteOverlayDiffClamped(w, upper, skip, time.Time{})
}

// WriteOverlayDiffClamped is WriteOverlayDiff with every time after clamp
// written as clamp (none when clamp is zero): SOURCE_DATE_EPOCH's
// reproducible layers, as BuildKit's rewrite-timestamp makes them.
func WriteOverlayDiffClamped(w io.Writer, upper string, skip func(rel string, d fs.DirEntry) bool, clamp time.Time) error {
	tw := tar.NewWriter(w)
	links := map[[2]uint64]string{} // (dev, ino) of a file with nlink > 1 -> its first name
	err := filepath.WalkDir(upper, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == upper {
			return err
		}
		rel, err := filepath.Rel(upper, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if skip != nil && skip(rel, d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		return addDiffEntry(tw, path, rel, links, clamp)
	})
	if err != nil {
		return fmt.Errorf("layer of %s: %w", upper, err)
	}
	return tw.Close()
}

func addDiffEntry(tw *tar.Writer, path, rel string, links map[[2]uint64]string, clamp time.Time) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return err
	}
	mtime := unixTime(st.Mtim)
	if !clamp.IsZero() && mtime.After(clamp) {
		mtime = clamp
	}
	if st.Mode&unix.S_IFMT == unix.S_IFCHR && st.Rdev == 0 {
		dir, base := filepath.Split(rel)
		return tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: dir + whiteoutPrefix + base,
			ModTime: mtime, Format: tar.FormatPAX})
	}
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	hdr, err := fileHeader(path, rel, info, int(st.Uid), int(st.Gid), mtime)
	if err != nil {
		return err
	}
	xattrs, opaque, err := readXattrs(path)
	if err != nil {
		return err
	}
	for k, v := range xattrs {
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords["SCHILY.xattr."+k] = v
	}
	if info.Mode().IsRegular() && st.Nlink > 1 {
		key := [2]uint64{st.Dev, st.Ino}
		if first, ok := links[key]; ok {
			hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
		} else {
			links[key] = rel
		}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if opaque {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: rel + "/" + whiteoutOpaque,
			ModTime: mtime, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	if hdr.Typeflag != tar.TypeReg || hdr.Size == 0 {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(tw, f)
	return err
}

// readXattrs returns the xattrs a layer carries (security.capability,
// user.*, trusted.* but overlay's own), and whether overlay marked the
// directory opaque.
func readXattrs(path string) (map[string]string, bool, error) {
	names, err := listXattrs(path)
	if err != nil {
		return nil, false, err
	}
	out := map[string]string{}
	opaque := false
	for _, name := range names {
		if name != "security.capability" && !strings.HasPrefix(name, "user.") && !strings.HasPrefix(name, "trusted.") {
			continue
		}
		val, err := getXattr(path, name)
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil {
			return nil, false, fmt.Errorf("xattr %s of %s: %w", name, path, err)
		}
		switch {
		case name == userns.OverlayPrefix()+"opaque":
			opaque = string(val) == "y"
		case userns.IsOverlayXattr(name):
		default:
			out[name] = string(val)
		}
	}
	return out, opaque, nil
}

func listXattrs(path string) ([]string, error) {
	buf := make([]byte, 1024)
	for {
		n, err := unix.Llistxattr(path, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if errors.Is(err, unix.ENOTSUP) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list xattrs of %s: %w", path, err)
		}
		var names []string
		for _, s := range strings.Split(string(buf[:n]), "\x00") {
			if s != "" {
				names = append(names, s)
			}
		}
		return names, nil
	}
}

func getXattr(path, name string) ([]byte, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(path, name, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}

func unixTime(ts unix.Timespec) time.Time { return time.Unix(ts.Sec, ts.Nsec).UTC() }

package fsops

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// Change kinds, as `docker diff` prints them.
const (
	ChangeModify = "C"
	ChangeAdd    = "A"
	ChangeDelete = "D"
)

// Change is one line of `docker diff`.
type Change struct {
	Kind string // C, A or D
	Path string // absolute, inside the container
}

// Changes lists what a container changed in its root filesystem from its
// writable layer alone (upper, the overlay upper dir) against its image's
// layers (lowers, top first), the way Docker's overlay driver does:
//
//   - a whiteout (a 0/0 character device) is D of its path, and an opaque
//     directory (trusted.overlay.opaque=y: deleted, then made again) is D
//     too, its new entries listed beneath it;
//   - anything else is C when an image layer has the path, else A;
//   - a directory that is in the image with the same mode, size and mtime
//     is left out, and the parent of an A or D is C if not listed already.
//
// skip, when not nil, leaves entries out (paths relative to upper): the
// engine leaves out what it made only to mount on, as commit does.
func Changes(upper string, lowers []string, skip func(rel string, d fs.DirEntry) bool) ([]Change, error) {
	var out []Change
	listed := map[string]bool{} // directories already in out, or "/"
	listed["/"] = true
	err := filepath.WalkDir(upper, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == upper {
			return err
		}
		rel, err := filepath.Rel(upper, p)
		if err != nil {
			return err
		}
		if skip != nil && skip(filepath.ToSlash(rel), d) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		name := "/" + filepath.ToSlash(rel)
		kind, err := changeKind(p, name, info, lowers)
		if err != nil || kind == "" {
			return err
		}
		if kind == ChangeModify && info.IsDir() && onlyMountPoints(p, filepath.ToSlash(rel), skip) {
			return nil // its mtime moved only for berth's mount points
		}
		if info.IsDir() {
			listed[name] = true
		}
		if kind != ChangeModify {
			if parent := path.Dir(name); !listed[parent] {
				out = append(out, Change{Kind: ChangeModify, Path: parent})
				listed[parent] = true
			}
		}
		out = append(out, Change{Kind: kind, Path: name})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("changes in %s: %w", upper, err)
	}
	return out, nil
}

// changeKind says what an entry of the upper dir is: "" for a directory the
// image has unchanged.
func changeKind(p, name string, info fs.FileInfo, lowers []string) (string, error) {
	if info.Mode()&fs.ModeCharDevice != 0 {
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Rdev == 0 {
			return ChangeDelete, nil
		}
	}
	if info.IsDir() {
		buf := make([]byte, 1)
		n, err := unix.Lgetxattr(p, "trusted.overlay.opaque", buf)
		if err == nil && n == 1 && buf[0] == 'y' {
			return ChangeDelete, nil
		}
		if err != nil && !errors.Is(err, unix.ENODATA) && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.ERANGE) {
			return "", fmt.Errorf("read opaque mark of %s: %w", p, err)
		}
	}
	for _, l := range lowers {
		// Resolved inside the layer: its symlinks must not reach the host.
		lp, err := securejoin.SecureJoin(l, name)
		if err != nil {
			continue
		}
		st, err := os.Lstat(lp)
		if err != nil {
			continue
		}
		if st.IsDir() && info.IsDir() && st.Size() == info.Size() && st.Mode() == info.Mode() && st.ModTime().Equal(info.ModTime()) {
			return "", nil
		}
		return ChangeModify, nil
	}
	return ChangeAdd, nil
}

// onlyMountPoints tells whether every entry of an upper directory is one of
// berth's mount points: the directory changed only for them, so, as
// Docker's init layer hides them, it is not listed either.
func onlyMountPoints(p, rel string, skip func(rel string, d fs.DirEntry) bool) bool {
	if skip == nil {
		return false
	}
	entries, err := os.ReadDir(p)
	if err != nil || len(entries) == 0 {
		return false
	}
	for _, d := range entries {
		if !skip(path.Join(rel, d.Name()), d) {
			return false
		}
	}
	return true
}

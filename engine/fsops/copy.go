package fsops

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// CopyOptions are cp's flags.
type CopyOptions struct {
	Archive    bool // keep uid and gid (else the files belong to root)
	FollowLink bool // follow a symlink given as the source
}

// CopyOut copies src, a path under the root dir, to dst on the host; with
// dst "-" it writes a tar of src to w instead. ctr names the container in
// errors.
func CopyOut(dir, src, dst string, o CopyOptions, ctr string, w io.Writer) error {
	from, err := openRoot(dir)
	if err != nil {
		return err
	}
	defer from.Close()
	if dst == "-" {
		p, as, err := sourceOf(from, src, o, ctr)
		if err != nil {
			return err
		}
		tw := tar.NewWriter(w)
		if err := from.writeTar(tw, p, as); err != nil {
			return err
		}
		return tw.Close()
	}
	to, err := openRoot("/")
	if err != nil {
		return err
	}
	defer to.Close()
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	if strings.HasSuffix(dst, "/") {
		abs += "/"
	}
	return copyTree(from, src, to, abs, o, ctr)
}

// CopyIn copies src on the host to dst under the root dir; with src "-"
// it extracts a tar read from r into the directory dst. ctr names the
// container in errors.
func CopyIn(dir, src, dst string, o CopyOptions, ctr string, r io.Reader) error {
	to, err := openRoot(dir)
	if err != nil {
		return err
	}
	defer to.Close()
	if src == "-" {
		st, err := statFollow(to, dst)
		if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
			return fmt.Errorf("destination %q must be a directory in container %s", dst, ctr)
		}
		return to.extractTar(r, path.Clean("/"+dst), extractOptions{keepOwner: o.Archive})
	}
	from, err := openRoot("/")
	if err != nil {
		return err
	}
	defer from.Close()
	abs, err := filepath.Abs(src)
	if err != nil {
		return err
	}
	if strings.HasSuffix(src, "/.") {
		abs += "/."
	}
	return copyTree(from, abs, to, dst, o, "")
}

// sourceOf resolves a cp source and names its tar entries as Docker
// does: "dir/." copies the directory's contents.
func sourceOf(from *inRoot, src string, o CopyOptions, ctr string) (p, as string, err error) {
	p = path.Clean("/" + src)
	if o.FollowLink {
		if p, err = from.follow(p); err != nil {
			return "", "", err
		}
	}
	st, err := from.lstat(p)
	if err != nil {
		if ctr != "" && errors.Is(err, unix.ENOENT) {
			return "", "", fmt.Errorf("could not find the file %s in container %s", src, ctr)
		}
		return "", "", err
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	if strings.HasSuffix(src, "/") && !isDir {
		return "", "", fmt.Errorf("%s: not a directory", src)
	}
	as = path.Base(p)
	if isDir && (strings.HasSuffix(src, "/.") || p == "/") {
		as = "."
	}
	return p, as, nil
}

// statFollow stats p, following symlinks inside the root.
func statFollow(r *inRoot, p string) (unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := r.open(path.Clean("/"+p), unix.O_PATH)
	if err != nil {
		return st, err
	}
	defer unix.Close(fd)
	err = unix.Fstat(fd, &st)
	return st, err
}

// copyTree copies src in from to dst in to with docker cp's rules: into
// dst when it is a directory, as dst when it does not exist yet, over dst
// when both are files.
func copyTree(from *inRoot, src string, to *inRoot, dst string, o CopyOptions, ctr string) error {
	p, as, err := sourceOf(from, src, o, ctr)
	if err != nil {
		return err
	}
	srcDir := false
	if st, err := from.lstat(p); err == nil {
		srcDir = st.Mode&unix.S_IFMT == unix.S_IFDIR
	}
	dstClean := path.Clean("/" + dst)
	into, rename := dstClean, [2]string{}
	st, err := statFollow(to, dstClean)
	switch {
	case err == nil && st.Mode&unix.S_IFMT == unix.S_IFDIR:
	case err == nil:
		if srcDir {
			return fmt.Errorf("cannot copy a directory to a file: %s", dst)
		}
		into, rename = path.Dir(dstClean), [2]string{as, path.Base(dstClean)}
	case errors.Is(err, unix.ENOENT):
		if strings.HasSuffix(dst, "/") {
			return fmt.Errorf("destination directory %s does not exist", dst)
		}
		pst, perr := statFollow(to, path.Dir(dstClean))
		if perr != nil || pst.Mode&unix.S_IFMT != unix.S_IFDIR {
			return fmt.Errorf("the parent directory of %s does not exist: create it first", dst)
		}
		into = path.Dir(dstClean)
		if as == "." {
			as = path.Base(dstClean) // the contents land in a new directory
		} else {
			rename = [2]string{as, path.Base(dstClean)}
		}
	default:
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		err := from.writeTar(tw, p, as)
		if err == nil {
			err = tw.Close()
		}
		pw.CloseWithError(err)
	}()
	err = to.extractTar(pr, into, extractOptions{rename: rename, keepOwner: o.Archive})
	pr.CloseWithError(errors.New("extraction ended"))
	return err
}

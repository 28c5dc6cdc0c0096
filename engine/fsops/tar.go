package fsops

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// writeTar adds p, and all below it when it is a directory, to tw under
// the name as (or as's contents when as is ".").
func (r *inRoot) writeTar(tw *tar.Writer, p, as string) error {
	dfd, name, err := r.parent(p)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	w := treeWriter{tw: tw, links: map[[2]uint64]string{}}
	return w.add(dfd, name, as)
}

type treeWriter struct {
	tw    *tar.Writer
	links map[[2]uint64]string // dev, inode of files with several links
}

func (w *treeWriter) add(dfd int, name, as string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "lstat", Path: as, Err: err}
	}
	hdr := &tar.Header{Name: as, Mode: int64(st.Mode & 0o7777), Uid: int(st.Uid), Gid: int(st.Gid),
		ModTime: time.Unix(st.Mtim.Unix()), Format: tar.FormatPAX}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		hdr.Typeflag = tar.TypeDir
		if as != "." {
			hdr.Name = as + "/"
			if err := w.tw.WriteHeader(hdr); err != nil {
				return err
			}
		}
		fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: as, Err: err}
		}
		dir := os.NewFile(uintptr(fd), as)
		defer dir.Close()
		names, err := dir.Readdirnames(-1)
		if err != nil {
			return err
		}
		sort.Strings(names)
		for _, n := range names {
			if err := w.add(fd, n, path.Join(as, n)); err != nil {
				return err
			}
		}
		return nil
	case unix.S_IFLNK:
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(dfd, name, buf)
		if err != nil {
			return &os.PathError{Op: "readlink", Path: as, Err: err}
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, string(buf[:n])
		return w.tw.WriteHeader(hdr)
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO:
		hdr.Typeflag = map[uint32]byte{unix.S_IFCHR: tar.TypeChar, unix.S_IFBLK: tar.TypeBlock, unix.S_IFIFO: tar.TypeFifo}[st.Mode&unix.S_IFMT]
		hdr.Devmajor, hdr.Devminor = int64(unix.Major(st.Rdev)), int64(unix.Minor(st.Rdev))
		return w.tw.WriteHeader(hdr)
	case unix.S_IFREG:
		key := [2]uint64{st.Dev, st.Ino}
		if st.Nlink > 1 {
			if first, ok := w.links[key]; ok {
				hdr.Typeflag, hdr.Linkname = tar.TypeLink, first
				return w.tw.WriteHeader(hdr)
			}
			w.links[key] = as
		}
		hdr.Typeflag, hdr.Size = tar.TypeReg, st.Size
		fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return &os.PathError{Op: "open", Path: as, Err: err}
		}
		f := os.NewFile(uintptr(fd), as)
		defer f.Close()
		if err := w.tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err = io.CopyN(w.tw, f, st.Size)
		return err
	}
	return nil // sockets are not copied
}

// extractOptions say how a tar lands in a tree.
type extractOptions struct {
	rename    [2]string // first name component from -> to
	keepOwner bool      // else files belong to root
}

// extractTar writes the entries of r under dir, a directory inside the
// root.
func (r *inRoot) extractTar(rd io.Reader, dir string, o extractOptions) error {
	tr := tar.NewReader(rd)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		name, ok := entryName(hdr.Name, o.rename)
		if !ok {
			return fmt.Errorf("tar entry %q leaves the destination", hdr.Name)
		}
		if name == "." {
			continue
		}
		if err := r.extractOne(tr, hdr, path.Join(dir, name), o, dir); err != nil {
			return err
		}
	}
}

// entryName cleans a tar entry's name and renames its first component.
func entryName(n string, rename [2]string) (string, bool) {
	n = path.Clean(strings.TrimPrefix(n, "/"))
	if n == ".." || strings.HasPrefix(n, "../") {
		return "", false
	}
	if rename[0] != "" {
		first, rest, _ := strings.Cut(n, "/")
		if first == rename[0] {
			n = path.Join(rename[1], rest)
		}
	}
	return n, true
}

func (r *inRoot) extractOne(tr io.Reader, hdr *tar.Header, p string, o extractOptions, dir string) error {
	dfd, name, err := r.parent(p)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	mode := uint32(hdr.Mode & 0o7777)
	uid, gid := 0, 0
	if o.keepOwner {
		uid, gid = hdr.Uid, hdr.Gid
	}
	fail := func(op string, err error) error { return &os.PathError{Op: op, Path: p, Err: err} }
	var existing unix.Stat_t
	exists := unix.Fstatat(dfd, name, &existing, unix.AT_SYMLINK_NOFOLLOW) == nil
	if exists && hdr.Typeflag != tar.TypeDir && existing.Mode&unix.S_IFMT == unix.S_IFDIR {
		return fail("replace", fmt.Errorf("cannot overwrite directory with non-directory"))
	}
	if exists && hdr.Typeflag != tar.TypeDir && hdr.Typeflag != tar.TypeReg {
		if err := unix.Unlinkat(dfd, name, 0); err != nil && err != unix.ENOENT {
			return fail("replace", err)
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := unix.Mkdirat(dfd, name, mode); err != nil && err != unix.EEXIST {
			return fail("mkdir", err)
		}
		fd, err := unix.Openat(dfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fail("open", err)
		}
		err = unix.Fchown(fd, uid, gid)
		if err == nil {
			err = unix.Fchmod(fd, mode) // after chown, which clears set-id bits
		}
		unix.Close(fd)
		if err != nil {
			return fail("chmod", err)
		}
	case tar.TypeReg:
		fd, err := unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		if err == unix.ELOOP { // a symlink there: replace it, do not follow it
			if err := unix.Unlinkat(dfd, name, 0); err != nil && err != unix.ENOENT {
				return fail("replace", err)
			}
			fd, err = unix.Openat(dfd, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode)
		}
		if err != nil {
			return fail("create", err)
		}
		f := os.NewFile(uintptr(fd), p)
		_, err = io.Copy(f, tr)
		if err == nil {
			err = unix.Fchown(fd, uid, gid)
		}
		if err == nil {
			err = unix.Fchmod(fd, mode)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail("write", err)
		}
	case tar.TypeSymlink:
		if err := unix.Symlinkat(hdr.Linkname, dfd, name); err != nil {
			return fail("symlink", err)
		}
	case tar.TypeLink:
		target, ok := entryName(hdr.Linkname, o.rename)
		if !ok {
			return fail("link", unix.EXDEV)
		}
		tfd, tname, err := r.parent(path.Join(dir, target))
		if err != nil {
			return err
		}
		err = unix.Linkat(tfd, tname, dfd, name, 0)
		unix.Close(tfd)
		if err != nil {
			return fail("link", err)
		}
	case tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
		kind := map[byte]uint32{tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK, tar.TypeFifo: unix.S_IFIFO}[hdr.Typeflag]
		if err := unix.Mknodat(dfd, name, kind|mode, int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))); err != nil {
			return fail("mknod", err)
		}
	default:
		return nil
	}
	if hdr.Typeflag != tar.TypeDir && hdr.Typeflag != tar.TypeReg {
		if err := unix.Fchownat(dfd, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fail("chown", err)
		}
	}
	if hdr.Typeflag != tar.TypeSymlink && hdr.Typeflag != tar.TypeLink {
		ts := []unix.Timespec{unix.NsecToTimespec(hdr.ModTime.UnixNano()), unix.NsecToTimespec(hdr.ModTime.UnixNano())}
		if err := unix.UtimesNanoAt(dfd, name, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fail("chtimes", err)
		}
	}
	return nil
}

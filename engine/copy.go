package engine

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/snapshot"
)

// CopyOptions are cp's flags.
type CopyOptions struct {
	Archive    bool // keep uid and gid (else the files belong to root)
	FollowLink bool // follow a symlink given as the source
}

// CopyFrom copies src, a path in the container, to dst on the host; with
// dst "-" it writes a tar of src to w instead.
func (e *Engine) CopyFrom(ctx context.Context, ref, src, dst string, o CopyOptions, w io.Writer) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	return e.rt.withRootfs(ctx, c, true, func(dir string) error {
		from, err := openRoot(dir)
		if err != nil {
			return err
		}
		defer from.Close()
		if dst == "-" {
			p, as, err := sourceOf(from, src, o, c.Name)
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
		return copyTree(from, src, to, abs, o, c.Name)
	})
}

// CopyTo copies src on the host into the container at dst; with src "-"
// it extracts a tar read from r into the directory dst.
func (e *Engine) CopyTo(ctx context.Context, ref, src, dst string, o CopyOptions, r io.Reader) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	return e.rt.withRootfs(ctx, c, true, func(dir string) error {
		to, err := openRoot(dir)
		if err != nil {
			return err
		}
		defer to.Close()
		if src == "-" {
			st, err := statFollow(to, dst)
			if err != nil || st.Mode&unix.S_IFMT != unix.S_IFDIR {
				return fmt.Errorf("destination %q must be a directory in container %s", dst, c.Name)
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
	})
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

// withRootfs calls fn with a directory showing the container's files. A
// running container is seen through /proc/PID/root when live (with its
// volumes and mounts, as cp wants), else through its mounted rootfs; a
// stopped one gets its snapshot mounted for the call, and when live its
// volumes and bind mounts too.
func (e *runtimeOps) withRootfs(ctx context.Context, c *Container, live bool, fn func(dir string) error) (err error) {
	if c.Running() {
		if live {
			return fn(fmt.Sprintf("/proc/%d/root", c.State.Pid))
		}
		if isMountPoint(e.dirs.rootfsDir(c.ID)) {
			return fn(e.dirs.rootfsDir(c.ID))
		}
	}
	mounts, err := e.rootfsMounts(ctx, c)
	if err != nil {
		return err
	}
	if err := e.dirs.makeRunDir(c.ID); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(e.dirs.runDir(c.ID), "mnt-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	if err := snapshot.MountAll(mounts, dir); err != nil {
		return fmt.Errorf("mount root filesystem of container %s: %w", c.Name, err)
	}
	defer func() {
		if uerr := snapshot.UnmountAll(dir); uerr != nil {
			err = errors.Join(err, fmt.Errorf("unmount root filesystem of container %s: %w", c.Name, uerr))
		}
	}()
	if live {
		undo, err := bindVolumes(dir, c.HostConfig.Mounts)
		if err != nil {
			return fmt.Errorf("mount volumes of container %s: %w", c.Name, err)
		}
		err = fn(dir)
		return errors.Join(err, undo())
	}
	return fn(dir)
}

// Package fsops reads and writes files inside a container's root
// filesystem, given as a host directory: cp in both directions, the stat
// of a path, export as a tar, the changes of an overlay upper dir, and
// the bind mounts of volumes over a stopped container's root. It knows
// nothing of containers or the engine: each function takes the root's
// path, and the engine decides which directory shows the container.
//
// Every path inside a root is resolved with openat2(RESOLVE_IN_ROOT)
// (internal/inroot), so no symlink of the container's can lead outside it.
package fsops

import (
	"fmt"
	"os"
	"path"

	"github.com/berth-containers/berth/internal/inroot"
	"golang.org/x/sys/unix"
)

// Trees inside a container are read and written through directory file
// descriptors only: a path is resolved with openat2(RESOLVE_IN_ROOT) from
// a descriptor of the container's root, so a symlink (absolute, or with
// enough "..") cannot lead out of it, and every step below is *at() with
// O_NOFOLLOW on one name. The host side uses the same code with "/" as
// its root.

// inRoot is a directory tree opened at its root.
type inRoot struct {
	fd  int
	dir string // host path, for errors
}

func openRoot(dir string) (*inRoot, error) {
	fd, err := inroot.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open root %s: %w", dir, err)
	}
	return &inRoot{fd: fd, dir: dir}, nil
}

// Close closes the root's descriptor: it was opened only to resolve paths
// under it, so closing it loses nothing.
func (r *inRoot) Close() { unix.Close(r.fd) }

// open resolves p (a path inside the root) as if the root were "/"
// (internal/inroot).
func (r *inRoot) open(p string, flags int) (int, error) {
	fd, err := inroot.Openat(r.fd, r.dir, p, flags)
	if err != nil {
		return -1, &os.PathError{Op: "open", Path: p, Err: err}
	}
	return fd, nil
}

// parent opens the directory holding p and returns it with p's last name.
func (r *inRoot) parent(p string) (int, string, error) {
	p = path.Clean("/" + p)
	if p == "/" {
		fd, err := r.open("/", unix.O_PATH|unix.O_DIRECTORY)
		return fd, ".", err
	}
	fd, err := r.open(path.Dir(p), unix.O_PATH|unix.O_DIRECTORY)
	return fd, path.Base(p), err
}

// lstat stats p without following a final symlink.
func (r *inRoot) lstat(p string) (unix.Stat_t, error) {
	var st unix.Stat_t
	dfd, name, err := r.parent(p)
	if err != nil {
		return st, err
	}
	defer unix.Close(dfd)
	if err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return st, &os.PathError{Op: "lstat", Path: p, Err: err}
	}
	return st, nil
}

// follow resolves symlinks at the end of p, inside the root, and returns
// the path they lead to.
func (r *inRoot) follow(p string) (string, error) {
	p = path.Clean("/" + p)
	for i := 0; i < 40; i++ {
		dfd, name, err := r.parent(p)
		if err != nil {
			return "", err
		}
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(dfd, name, buf)
		unix.Close(dfd)
		if err == unix.EINVAL || err == unix.ENOENT {
			return p, nil // not a symlink
		}
		if err != nil {
			return "", &os.PathError{Op: "readlink", Path: p, Err: err}
		}
		target := string(buf[:n])
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(p), target)
		}
		p = path.Clean("/" + target)
	}
	return "", &os.PathError{Op: "follow", Path: p, Err: unix.ELOOP}
}

package rootfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/internal/fds"
	"github.com/berth-containers/berth/internal/inroot"
	"golang.org/x/sys/unix"
)

// inRoot resolves paths inside a directory the way the container will see
// them: openat2(RESOLVE_IN_ROOT) treats the directory as "/" for every
// symlink and "..", so a rootfs symlink can never lead a mount out of it.
type inRoot struct {
	fd   int
	path string // host path, for error messages and the /proc check
}

func openInRoot(path string) (*inRoot, error) {
	fd, err := inroot.OpenDir(path)
	if err != nil {
		return nil, fmt.Errorf("open rootfs %s: %w", path, err)
	}
	return &inRoot{fd: fd, path: path}, nil
}

func (r *inRoot) close() { unix.Close(r.fd) }

// relPath cleans p lexically and makes it relative to the root, "." for
// the root itself.
func relPath(p string) string { return inroot.Rel(p) }

// open resolves p inside the root (internal/inroot). O_CLOEXEC is always
// added.
func (r *inRoot) open(p string, flags int) (int, error) {
	return inroot.Openat(r.fd, r.path, p, flags)
}

// Open, MkdirAll and Parent are open, mkdirAll and parent for the
// packages that work inside the root through an interface (devnode,
// maskpaths).
func (r *inRoot) Open(p string, flags int) (int, error)       { return r.open(p, flags) }
func (r *inRoot) MkdirAll(p string, mode uint32) (int, error) { return r.mkdirAll(p, mode) }
func (r *inRoot) Parent(p string) (int, string, error)        { return r.parent(p) }

// maxHops bounds how many dangling symlinks creating a path may follow,
// like the kernel's limit of 40 links per lookup.
const maxHops = 40

// mkdirAll creates the missing directories of p inside the root and
// returns an O_PATH handle on p. Each directory is made with mkdirat on a
// handle of its already-resolved parent, so nothing outside the root can
// be created even if a component is swapped for a symlink meanwhile.
func (r *inRoot) mkdirAll(p string, mode uint32) (int, error) {
	for range maxHops {
		fd, err := r.open(p, unix.O_PATH|unix.O_DIRECTORY)
		if !errors.Is(err, unix.ENOENT) {
			return fd, err
		}
		var next string
		fd, next, err = r.mkdirWalk(p, mode)
		if next == "" {
			return fd, err
		}
		p = next
	}
	return -1, fmt.Errorf("create %s: %w", p, unix.ELOOP)
}

// mkdirWalk creates p's directories one by one. When a component is a
// dangling symlink it returns the path with that link substituted, for
// the caller to start again, as the kernel would resolve it in the root.
func (r *inRoot) mkdirWalk(p string, mode uint32) (int, string, error) {
	parts := strings.Split(relPath(p), "/")
	cur, err := unix.Dup(r.fd)
	if err != nil {
		return -1, "", err
	}
	for i, name := range parts {
		prefix := strings.Join(parts[:i+1], "/")
		next, err := r.open(prefix, unix.O_PATH|unix.O_DIRECTORY)
		if errors.Is(err, unix.ENOENT) {
			if err := unix.Mkdirat(cur, name, mode); err != nil && !errors.Is(err, unix.EEXIST) {
				unix.Close(cur)
				return -1, "", fmt.Errorf("mkdir /%s: %w", prefix, err)
			}
			next, err = r.open(prefix, unix.O_PATH|unix.O_DIRECTORY)
		}
		if errors.Is(err, unix.ENOENT) {
			if target, ok := danglingLink(cur, name); ok {
				unix.Close(cur)
				return -1, linkPath(parts[:i], target, parts[i+1:]), nil
			}
		}
		unix.Close(cur)
		if err != nil {
			return -1, "", fmt.Errorf("open /%s: %w", prefix, err)
		}
		cur = next
	}
	return cur, "", nil
}

// danglingLink returns the target of name in dir if it is a symlink.
func danglingLink(dir int, name string) (string, bool) {
	target, err := readlinkat(dir, name)
	return target, err == nil
}

// linkPath is the path that results from replacing the component after
// dir by a symlink's target.
func linkPath(dir []string, target string, rest []string) string {
	base := "/" + strings.Join(dir, "/")
	if filepath.IsAbs(target) {
		base = "/"
	}
	return filepath.Join(append([]string{base, target}, rest...)...)
}

// mkfileAll creates p as an empty file (and its parents) unless something
// already exists there, and returns an O_PATH handle on it.
func (r *inRoot) mkfileAll(p string, mode uint32) (int, error) {
	for range maxHops {
		fd, err := r.open(p, unix.O_PATH)
		if !errors.Is(err, unix.ENOENT) {
			return fd, err
		}
		parent, name, err := r.parent(p)
		if err != nil {
			return -1, err
		}
		err = unix.Mknodat(parent, name, unix.S_IFREG|mode, 0)
		if errors.Is(err, unix.EEXIST) {
			if target, ok := danglingLink(parent, name); ok {
				unix.Close(parent)
				p = linkPath(strings.Split(relPath(filepath.Dir(p)), "/"), target, nil)
				continue
			}
		}
		unix.Close(parent)
		if err != nil && !errors.Is(err, unix.EEXIST) {
			return -1, fmt.Errorf("create file %s: %w", p, err)
		}
		return r.open(p, unix.O_PATH)
	}
	return -1, fmt.Errorf("create %s: %w", p, unix.ELOOP)
}

// parent creates and opens the parent directory of p and returns it with
// p's last component, which is never "." or "..".
func (r *inRoot) parent(p string) (int, string, error) {
	rel := relPath(p)
	if rel == "." {
		return -1, "", fmt.Errorf("%s is the root itself", p)
	}
	fd, err := r.mkdirAll(filepath.Dir(rel), 0o755)
	if err != nil {
		return -1, "", err
	}
	return fd, filepath.Base(rel), nil
}

// hostPath tells where fd really is, read from the kernel rather than
// trusted from the path we asked for.
func hostPath(fd int) (string, error) {
	p, err := readlink(fds.Path(fd))
	if err != nil {
		return "", fmt.Errorf("resolve fd %d: %w", fd, err)
	}
	return p, nil
}

func readlink(p string) (string, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Readlink(p, buf)
		if err != nil {
			return "", err
		}
		if n < len(buf) {
			return string(buf[:n]), nil
		}
		buf = make([]byte, 2*len(buf))
	}
}

// moveMount attaches the detached mount tree to the directory or file
// open as dst.
func moveMount(tree, dst int) error {
	return unix.MoveMount(tree, "", dst, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH)
}

// setattr runs mount_setattr on the mount open as fd.
func setattr(fd int, recursive bool, attr *unix.MountAttr) error {
	flags := uint(unix.AT_EMPTY_PATH)
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	return unix.MountSetattr(fd, "", flags, attr)
}

// setPropagation applies MS_SHARED/SLAVE/PRIVATE/UNBINDABLE (with MS_REC
// meaning the whole subtree) to the mount open as fd.
func setPropagation(fd int, p uintptr) error {
	return setattr(fd, p&unix.MS_REC != 0, &unix.MountAttr{Propagation: uint64(p &^ unix.MS_REC)})
}

package fsops

import (
	"errors"
	"fmt"
	"os"
	"path"
	"sort"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/fds"
)

// A running container's volumes are seen through /proc/PID/root. A
// stopped one's rootfs is mounted for cp without them, so a copy into a
// volume path went to the directory under it (and was never seen by the
// container) and a copy out of one found nothing. BindVolumes mounts them
// for the call, as Docker's cp does: each destination is resolved inside
// the root (a symlink in the container cannot lead the mount out), made if
// missing, and bound from the volume or host path by descriptor.

// boundMount is one mount bindVolumes made: a descriptor of its root, by
// which it is unmounted (a path could lead elsewhere by then).
type boundMount struct {
	fd  int
	dst string
}

// Bind is one volume or bind mount to make over a root: Source on the
// host at Destination inside the root.
type Bind struct {
	Source      string
	Destination string
	ReadOnly    bool
}

// BindVolumes binds each of binds at its destination under dir; the
// returned function undoes them. The caller leaves out tmpfs mounts: they
// have no content while the container is stopped.
func BindVolumes(dir string, binds []Bind) (undo func() error, err error) {
	todo := append([]Bind(nil), binds...)
	// Parents before the mounts inside them.
	sort.SliceStable(todo, func(i, j int) bool { return len(todo[i].Destination) < len(todo[j].Destination) })
	root, err := openRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	var done []boundMount
	undo = func() error {
		var errs []error
		for i := len(done) - 1; i >= 0; i-- {
			err := unix.Unmount(fds.Path(done[i].fd), unix.MNT_DETACH)
			if err != nil && err != unix.EINVAL {
				errs = append(errs, fmt.Errorf("unmount %s: %w", done[i].dst, err))
			}
			unix.Close(done[i].fd)
		}
		return errors.Join(errs...)
	}
	for _, m := range todo {
		b, err := bindOne(root, m)
		if err != nil {
			return nil, errors.Join(err, undo())
		}
		done = append(done, b)
	}
	return undo, nil
}

// bindOne binds m.Source at m.Destination inside root.
func bindOne(root *inRoot, m Bind) (boundMount, error) {
	var st unix.Stat_t
	if err := unix.Stat(m.Source, &st); err != nil {
		return boundMount{}, fmt.Errorf("mount %s at %s: %w", m.Source, m.Destination, err)
	}
	isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
	if err := mkMountPoint(root, m.Destination, isDir); err != nil {
		return boundMount{}, fmt.Errorf("mount point %s: %w", m.Destination, err)
	}
	target, err := root.open(m.Destination, unix.O_PATH)
	if err != nil {
		return boundMount{}, err
	}
	err = unix.Mount(m.Source, fds.Path(target), "", unix.MS_BIND|unix.MS_REC, "")
	unix.Close(target)
	if err != nil {
		return boundMount{}, fmt.Errorf("mount %s at %s: %w", m.Source, m.Destination, err)
	}
	// Open again: the descriptor now names the new mount's root.
	fd, err := root.open(m.Destination, unix.O_PATH)
	if err != nil {
		return boundMount{}, err
	}
	b := boundMount{fd: fd, dst: m.Destination}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_NOSUID | unix.MS_NODEV)
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err == nil && sfs.Flags&unix.ST_NOEXEC != 0 {
		flags |= unix.MS_NOEXEC
	}
	if m.ReadOnly {
		flags |= unix.MS_RDONLY
	}
	for _, step := range []struct {
		flags uintptr
		what  string
	}{{unix.MS_PRIVATE | unix.MS_REC, "make private"}, {flags, "remount"}} {
		if err := unix.Mount("", fds.Path(fd), "", step.flags, ""); err != nil {
			err = fmt.Errorf("%s %s: %w", step.what, m.Destination, err)
			if uerr := unix.Unmount(fds.Path(fd), unix.MNT_DETACH); uerr != nil {
				err = errors.Join(err, fmt.Errorf("unmount %s: %w", m.Destination, uerr))
			}
			unix.Close(fd)
			return boundMount{}, err
		}
	}
	return b, nil
}

// mkMountPoint makes p inside root if it is missing: a directory for a
// directory source, an empty file for a file, and its parents, as the
// runtime does at start.
func mkMountPoint(root *inRoot, p string, isDir bool) error {
	p = path.Clean("/" + p)
	if fd, err := root.open(p, unix.O_PATH); err == nil {
		unix.Close(fd)
		return nil
	} else if !errors.Is(err, unix.ENOENT) {
		return err
	}
	if parent := path.Dir(p); parent != p {
		if err := mkMountPoint(root, parent, true); err != nil {
			return err
		}
	}
	dfd, name, err := root.parent(p)
	if err != nil {
		return err
	}
	defer unix.Close(dfd)
	if isDir {
		err = unix.Mkdirat(dfd, name, 0o755)
	} else {
		var fd int
		if fd, err = unix.Openat(dfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC|unix.O_RDONLY, 0o644); err == nil {
			unix.Close(fd)
		}
	}
	if err != nil && err != unix.EEXIST {
		return &os.PathError{Op: "create", Path: p, Err: err}
	}
	return nil
}

// Package stepdir is a build step's own directory: the files it gives its
// container (secrets, filtered copies of the context, downloads) and the
// overlays of its read-write binds. Removing it undoes its mounts first
// and then removes it only once nothing is mounted under it, so that a
// bind of the context (or of anything) can never be emptied through it.
// The name carries the building process, for RemoveStale after a kill.
package stepdir

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/mountpoint"
)

// Dir is one step's directory.
type Dir struct {
	Path  string
	undo  []func() error
	tmpfs map[string]string // Tmpfs's mounts, by name
}

// New makes a directory under base whose name starts with prefix.
func New(base, prefix string) (*Dir, error) {
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, err
	}
	p, err := os.MkdirTemp(base, prefix)
	if err != nil {
		return nil, err
	}
	return &Dir{Path: p}, nil
}

// OnRemove runs fn when the directory is removed, the last added first.
func (d *Dir) OnRemove(fn func() error) { d.undo = append(d.undo, fn) }

// Remove undoes what OnRemove names, then removes the directory if
// nothing is mounted under it any more.
func (d *Dir) Remove() error {
	var errs []error
	for i := len(d.undo) - 1; i >= 0; i-- {
		errs = append(errs, d.undo[i]())
	}
	d.undo = nil
	return errors.Join(append(errs, removeUnmounted(d.Path))...)
}

// RemoveStale removes the directory of a step whose build is gone: what is
// mounted under it is unmounted (deepest first) before anything goes.
func RemoveStale(dir string) error {
	mounted, err := MountsUnder(dir)
	if err != nil {
		return err
	}
	for i := len(mounted) - 1; i >= 0; i-- {
		if err := unmount(mounted[i]); err != nil {
			return err
		}
	}
	return removeUnmounted(dir)
}

// Overlay makes a writable overlay on src named name in the directory:
// writes land in its upper dir and go with the directory. A file is
// copied instead.
func (d *Dir) Overlay(name, src string) (string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	base := filepath.Join(d.Path, name)
	if !st.IsDir() {
		return base, CopyFile(src, base, st.Mode())
	}
	upper, work, merged := base+"-upper", base+"-work", base
	for _, d := range []string{upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", err
		}
	}
	opts := "lowerdir=" + src + ",upperdir=" + upper + ",workdir=" + work
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return "", fmt.Errorf("read-write bind of %s: mount overlay: %w", src, err)
	}
	d.OnRemove(func() error { return unmount(merged) })
	return merged, nil
}

// Tmpfs mounts (once) a small tmpfs named name in the directory, for
// files that must never reach a disk: secrets.
func (d *Dir) Tmpfs(name string) (string, error) {
	if p, ok := d.tmpfs[name]; ok {
		return p, nil
	}
	p := filepath.Join(d.Path, name)
	if err := os.Mkdir(p, 0o700); err != nil {
		return "", err
	}
	if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "size=16m,mode=0700"); err != nil {
		return "", fmt.Errorf("mount tmpfs at %s: %w", p, err)
	}
	d.OnRemove(func() error { return unmount(p) })
	if d.tmpfs == nil {
		d.tmpfs = map[string]string{}
	}
	d.tmpfs[name] = p
	return p, nil
}

func unmount(dir string) error {
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

// CopyFile copies the regular file from to the new file to.
func CopyFile(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeUnmounted removes dir unless something is still mounted under it.
func removeUnmounted(dir string) error {
	mounted, err := MountsUnder(dir)
	if err != nil {
		return err
	}
	if len(mounted) > 0 {
		return fmt.Errorf("build mounts %s: still mounted: %v", dir, mounted)
	}
	return os.RemoveAll(dir)
}

// MountsUnder lists the mount points at or below dir.
func MountsUnder(dir string) ([]string, error) { return mountpoint.Under(dir) }

package layer

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/userns"
)

// readError is a failure to read an entry's content from the stream, as
// opposed to one writing it.
type readError struct{ err error }

func (e *readError) Error() string { return e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

// replacing runs mk; if the name exists already, it removes it (the last
// entry wins) and runs mk once more.
func (a *applier) replacing(pfd int, name, base string, mk func() error) error {
	err := mk()
	if !errors.Is(err, unix.EEXIST) {
		return err
	}
	if err := a.removeAt(pfd, name, base); err != nil {
		return err
	}
	return mk()
}

func (a *applier) file(hdr *tar.Header, r io.Reader, name string, pfd int, base string) error {
	var fd int
	err := a.replacing(pfd, name, base, func() error {
		var err error
		fd, err = unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
		return err
	})
	if err != nil {
		return fmt.Errorf("create file: %w", err)
	}
	err = a.writeContent(fd, r, hdr.Size)
	if err == nil {
		err = a.setFDMeta(fd, hdr, true)
	}
	if err == nil {
		err = futimens(fd, times(hdr))
	}
	if cerr := unix.Close(fd); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	return err
}

// writeContent streams size bytes from r to fd through the reused buffer.
func (a *applier) writeContent(fd int, r io.Reader, size int64) error {
	for size > 0 {
		n, err := r.Read(a.buf[:min(int64(len(a.buf)), size)])
		if n > 0 {
			if werr := writeAll(fd, a.buf[:n]); werr != nil {
				return fmt.Errorf("write content: %w", werr)
			}
			size -= int64(n)
		}
		if err == io.EOF && size > 0 {
			err = io.ErrUnexpectedEOF
		}
		if err != nil && err != io.EOF {
			return &readError{err}
		}
	}
	return nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func (a *applier) dir(hdr *tar.Header, name string, pfd int, base string) error {
	err := unix.Mkdirat(pfd, base, 0o700)
	if errors.Is(err, unix.EEXIST) {
		// A directory stays (its contents with it); anything else goes.
		var st unix.Stat_t
		if err = unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
			err = a.replacing(pfd, name, base, func() error { return unix.Mkdirat(pfd, base, 0o700) })
		}
	}
	if err != nil {
		return fmt.Errorf("create directory: %w", err)
	}
	fd, err := a.dirFD(name, false)
	if err != nil {
		return err
	}
	if err := a.setFDMeta(fd, hdr, true); err != nil {
		return err
	}
	a.dirTimes = append(a.dirTimes, dirTime{name: name, times: times(hdr)})
	return nil
}

func (a *applier) symlink(hdr *tar.Header, name string, pfd int, base string) error {
	err := a.replacing(pfd, name, base, func() error { return unix.Symlinkat(hdr.Linkname, pfd, base) })
	if err != nil {
		return fmt.Errorf("create symlink: %w", err)
	}
	return a.setPathMeta(pfd, base, hdr, false)
}

// hardlink links to an entry of this layer. The target's name is resolved
// like any other: inside the root, through no symlink.
func (a *applier) hardlink(hdr *tar.Header, name string, pfd int, base string) error {
	target, err := cleanName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("refusing hardlink to %s: %w", hdr.Linkname, err)
	}
	if target == "" {
		return fmt.Errorf("refusing hardlink to the root directory")
	}
	tparent, tbase := splitName(target)
	tfd, err := a.dirFD(tparent, false)
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("hardlink target %s is not in this layer: %w", hdr.Linkname, err)
	}
	if err != nil {
		return fmt.Errorf("hardlink target %s: %w", hdr.Linkname, err)
	}
	if target == name {
		return nil // a link to itself: the entry is already there
	}
	if strings.HasPrefix(target, name+"/") {
		return fmt.Errorf("refusing hardlink to %s inside the entry it replaces", hdr.Linkname)
	}
	err = a.replacing(pfd, name, base, func() error { return unix.Linkat(tfd, tbase, pfd, base, 0) })
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("hardlink target %s is not in this layer: %w", hdr.Linkname, err)
	}
	if err != nil {
		return fmt.Errorf("hardlink to %s: %w", hdr.Linkname, err)
	}
	return nil
}

// node makes a device or a fifo. Devices are kept: inside the snapshot
// they are as harmless as the container's own /dev.
func (a *applier) node(hdr *tar.Header, name string, pfd int, base string) error {
	mode := uint32(unix.S_IFIFO)
	switch hdr.Typeflag {
	case tar.TypeChar:
		mode = unix.S_IFCHR
	case tar.TypeBlock:
		mode = unix.S_IFBLK
	}
	dev := int(unix.Mkdev(uint32(hdr.Devmajor), uint32(hdr.Devminor)))
	err := a.replacing(pfd, name, base, func() error { return unix.Mknodat(pfd, base, mode|0o600, dev) })
	if err != nil {
		return fmt.Errorf("create device node: %w", err)
	}
	return a.setPathMeta(pfd, base, hdr, true)
}

// whiteout turns an OCI whiteout into its overlayfs form.
func (a *applier) whiteout(parent, base string) error {
	pfd, err := a.dirFD(parent, true)
	if err != nil {
		return err
	}
	if base == whiteoutOpaque {
		if err := unix.Fsetxattr(pfd, userns.OverlayPrefix()+"opaque", []byte("y"), 0); err != nil {
			return fmt.Errorf("mark %s opaque: %w", parent, err)
		}
		return nil
	}
	target := strings.TrimPrefix(base, whiteoutPrefix)
	if target == "" || target == "." || target == ".." {
		return fmt.Errorf("refusing whiteout of %q", target)
	}
	if strings.HasPrefix(target, whiteoutPrefix) {
		return nil // other AUFS metadata (.wh..wh.plnk...): meaningless here
	}
	// A whiteout hides lower layers only: an entry of this layer with the
	// same name stays.
	err = unix.Mknodat(pfd, target, unix.S_IFCHR, 0)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create whiteout %s: %w", target, err)
	}
	return nil
}

// setFDMeta sets owner, mode and xattrs through an open fd. The owner goes
// first: chown clears the setuid and setgid bits.
func (a *applier) setFDMeta(fd int, hdr *tar.Header, chmod bool) error {
	if !a.opts.NoSameOwner {
		if err := unix.Fchown(fd, hdr.Uid, hdr.Gid); err != nil {
			return fmt.Errorf("chown %d:%d: %w", hdr.Uid, hdr.Gid, err)
		}
	}
	if chmod {
		if err := unix.Fchmod(fd, uint32(hdr.Mode&0o7777)); err != nil {
			return fmt.Errorf("chmod %o: %w", hdr.Mode&0o7777, err)
		}
	}
	for name, value := range xattrs(hdr) {
		if err := unix.Fsetxattr(fd, name, []byte(value), 0); err != nil {
			return fmt.Errorf("set xattr %s: %w", name, err)
		}
	}
	return nil
}

// setPathMeta is setFDMeta for what cannot be opened (symlinks, devices),
// by name relative to the parent fd and never following a symlink.
func (a *applier) setPathMeta(pfd int, base string, hdr *tar.Header, chmod bool) error {
	if !a.opts.NoSameOwner {
		if err := unix.Fchownat(pfd, base, hdr.Uid, hdr.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown %d:%d: %w", hdr.Uid, hdr.Gid, err)
		}
	}
	// fchmodat follows symlinks, but chmod is only asked for device nodes
	// this Apply has just made.
	if chmod {
		if err := unix.Fchmodat(pfd, base, uint32(hdr.Mode&0o7777), 0); err != nil {
			return fmt.Errorf("chmod %o: %w", hdr.Mode&0o7777, err)
		}
	}
	if x := xattrs(hdr); len(x) > 0 {
		// The fd's /proc path names the parent; Lsetxattr does not follow
		// the last component.
		p := "/proc/self/fd/" + strconv.Itoa(pfd) + "/" + base
		for name, value := range x {
			if hdr.Typeflag == tar.TypeSymlink && strings.HasPrefix(name, "user.") {
				continue // the kernel allows no user.* xattrs on symlinks
			}
			if err := unix.Lsetxattr(p, name, []byte(value), 0); err != nil {
				return fmt.Errorf("set xattr %s: %w", name, err)
			}
		}
	}
	if err := unix.UtimesNanoAt(pfd, base, times(hdr), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// xattrs returns the entry's xattrs that a layer may set: user.*,
// trusted.* but overlay's own, and file capabilities (as containerd).
func xattrs(hdr *tar.Header) map[string]string {
	var out map[string]string
	for k, v := range hdr.PAXRecords {
		name, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok || !xattrAllowed(name) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = v
	}
	return out
}

func xattrAllowed(name string) bool {
	switch {
	case userns.IsOverlayXattr(name):
		return false
	case strings.HasPrefix(name, "user."), strings.HasPrefix(name, "trusted."):
		return true
	}
	return name == "security.capability"
}

func times(hdr *tar.Header) []unix.Timespec {
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	return []unix.Timespec{timespec(atime), timespec(hdr.ModTime)}
}

func timespec(t time.Time) unix.Timespec {
	if t.IsZero() {
		return unix.Timespec{Sec: 0}
	}
	return unix.NsecToTimespec(t.UnixNano())
}

// futimens is utimensat(fd, NULL, ...), which x/sys does not wrap.
func futimens(fd int, ts []unix.Timespec) error {
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if errno != 0 {
		return fmt.Errorf("set times: %w", errno)
	}
	return nil
}

// finish sets directory mtimes, deepest last listed first, now that
// nothing more is created in them.
func (a *applier) finish() error {
	for i := len(a.dirTimes) - 1; i >= 0; i-- {
		dt := a.dirTimes[i]
		parent, base := splitName(dt.name)
		pfd, err := a.dirFD(parent, false)
		if err == nil {
			err = unix.UtimesNanoAt(pfd, base, dt.times, unix.AT_SYMLINK_NOFOLLOW)
		}
		// Gone or replaced by a later entry: nothing to set.
		if err != nil && !errors.Is(err, unix.ENOENT) && !errors.Is(err, errSymlinkPath) && !errors.Is(err, unix.ENOTDIR) {
			return fmt.Errorf("layer: set times of directory %s: %w", dt.name, err)
		}
		a.evictIfFull()
	}
	return nil
}

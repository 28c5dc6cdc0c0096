package rootfs

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/fds"
)

// tmpfsCopyUp is runc's tmpcopyup: a tmpfs on dst that starts with the
// content of the directory it covers. The covered directory stays
// readable through a handle opened before the mount, so no staging
// directory is needed.
func (s *setup) tmpfsCopyUp(e *entry, dst int, flags uintptr, data string) error {
	under, err := unix.Openat(dst, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return e.errorf("tmpcopyup: open", err)
	}
	defer unix.Close(under)
	// Read-only comes after the copy.
	if err := unix.Mount(e.src, fds.Path(dst), "tmpfs", flags&^unix.MS_RDONLY, data); err != nil {
		return fmt.Errorf("mount tmpfs on %s (mounts[%d]): %w", e.dst, e.idx, err)
	}
	traceMount(e.src, s.target(e), "tmpfs", flags&^unix.MS_RDONLY, data)
	top, err := s.root.open(e.dst, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return e.errorf("tmpcopyup: reopen", err)
	}
	defer unix.Close(top)
	if err := copyTree(under, top); err != nil {
		return e.errorf("tmpcopyup: copy", err)
	}
	if flags&unix.MS_RDONLY != 0 {
		if err := setattr(top, false, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
			return e.errorf("tmpcopyup: make read-only", err)
		}
	}
	return nil
}

// copyTree copies the entries of directory src into directory dst,
// keeping type, mode and ownership.
func copyTree(src, dst int) error {
	// An *os.File closes its fd when collected: give it a copy.
	own, err := unix.Dup(src)
	if err != nil {
		return fmt.Errorf("list directory: %w", err)
	}
	d := os.NewFile(uintptr(own), "copy source")
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return fmt.Errorf("list directory: %w", err)
	}
	for _, name := range names {
		if err := copyEntry(src, dst, name); err != nil {
			return err
		}
	}
	return nil
}

func copyEntry(src, dst int, name string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(src, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("stat %s: %w", name, err)
	}
	perm := st.Mode & 0o7777
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		err = copyDir(src, dst, name, perm)
	case unix.S_IFREG:
		err = copyFile(src, dst, name, perm)
	case unix.S_IFLNK:
		var target string
		if target, err = readlinkat(src, name); err == nil {
			err = unix.Symlinkat(target, dst, name)
		}
	default:
		err = unix.Mknodat(dst, name, st.Mode, int(st.Rdev))
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", name, err)
	}
	if err := unix.Fchownat(dst, name, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown %s: %w", name, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		return nil
	}
	// After chown, which clears set-id bits.
	if err := unix.Fchmodat(dst, name, perm, 0); err != nil {
		return fmt.Errorf("chmod %s: %w", name, err)
	}
	return nil
}

func copyDir(src, dst int, name string, perm uint32) error {
	if err := unix.Mkdirat(dst, name, perm); err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	from, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(from)
	to, err := unix.Openat(dst, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(to)
	return copyTree(from, to)
}

func copyFile(src, dst int, name string, perm uint32) error {
	fromFd, err := unix.Openat(src, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	from := os.NewFile(uintptr(fromFd), name)
	defer from.Close()
	toFd, err := unix.Openat(dst, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
	if err != nil {
		return err
	}
	to := os.NewFile(uintptr(toFd), name)
	if _, err := io.Copy(to, from); err != nil {
		to.Close()
		return err
	}
	return to.Close()
}

func readlinkat(dir int, name string) (string, error) {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Readlinkat(dir, name, buf)
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

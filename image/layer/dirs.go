package layer

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// maxCachedDirs bounds the open directory fds. Tar streams list a
// directory's entries together, so a small cache hits nearly always.
const maxCachedDirs = 256

// applier is the state of one Apply.
type applier struct {
	root   string
	rootFD int
	opts   ApplyOptions
	// dirs caches open fds of directories by clean name, so that an entry
	// costs no path walk from the root.
	dirs     map[string]int
	lowerFDs []int // O_PATH fds of opts.Parents, opened when first needed
	dirTimes []dirTime
	buf      []byte
}

// dirTime is a directory mtime set at the end, once nothing more is
// created inside it.
type dirTime struct {
	name  string
	times []unix.Timespec
}

func newApplier(root string, opts ApplyOptions) (*applier, error) {
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("layer: open root %s: %w", root, err)
	}
	return &applier{root: root, rootFD: fd, opts: opts, dirs: map[string]int{}, buf: make([]byte, copyBufferSize)}, nil
}

func (a *applier) close() {
	a.evict()
	for _, fd := range a.lowerFDs {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	unix.Close(a.rootFD)
}

func (a *applier) evict() {
	for name, fd := range a.dirs {
		unix.Close(fd)
		delete(a.dirs, name)
	}
}

// evictIfFull runs between entries only: an entry may hold two fds from
// the cache (a hardlink's two parents), which must stay open meanwhile.
func (a *applier) evictIfFull() {
	if len(a.dirs) >= maxCachedDirs {
		a.evict()
	}
}

// forget drops name and everything below it from the cache: it is being
// replaced.
func (a *applier) forget(name string) {
	for n, fd := range a.dirs {
		if n == name || strings.HasPrefix(n, name+"/") {
			unix.Close(fd)
			delete(a.dirs, n)
		}
	}
}

// dirFD returns an fd of the directory name inside the root, walking from
// the nearest cached ancestor without following any symlink. With create,
// missing directories are made (0755, as Docker does).
func (a *applier) dirFD(name string, create bool) (int, error) {
	if name == "" {
		return a.rootFD, nil
	}
	if fd, ok := a.dirs[name]; ok {
		return fd, nil
	}
	parent, base := splitName(name)
	pfd, err := a.dirFD(parent, create)
	if err != nil {
		return -1, err
	}
	fd, err := openDir(pfd, base)
	if errors.Is(err, unix.ENOENT) && create {
		return a.implicitDir(pfd, name, base)
	}
	if err != nil {
		return -1, dirError(pfd, name, base, err)
	}
	a.dirs[name] = fd
	return fd, nil
}

// implicitDir creates a directory the layer writes into without listing
// it. It takes the owner, mode and mtime the directory has in the layers
// below, as overlayfs's copy-up would: else a file added to /tmp would
// turn the merged /tmp from 1777 into 0755.
func (a *applier) implicitDir(pfd int, name, base string) (int, error) {
	lower, err := a.checkLowers(name)
	if err != nil {
		return -1, err
	}
	if err := unix.Mkdirat(pfd, base, 0o755); err != nil && !errors.Is(err, unix.EEXIST) {
		return -1, fmt.Errorf("create directory %s: %w", name, err)
	}
	fd, err := openDir(pfd, base)
	if err != nil {
		return -1, dirError(pfd, name, base, err)
	}
	a.dirs[name] = fd
	if lower == nil || lower.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fd, nil
	}
	if err := unix.Fchown(fd, int(lower.Uid), int(lower.Gid)); err != nil {
		return -1, fmt.Errorf("chown directory %s as below: %w", name, err)
	}
	if err := unix.Fchmod(fd, lower.Mode&0o7777); err != nil {
		return -1, fmt.Errorf("chmod directory %s as below: %w", name, err)
	}
	a.dirTimes = append(a.dirTimes, dirTime{name: name, times: []unix.Timespec{lower.Atim, lower.Mtim}})
	return fd, nil
}

func openDir(pfd int, base string) (int, error) {
	for {
		fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return fd, err
		}
	}
}

// dirError explains why name could not be opened as a directory.
func dirError(pfd int, name, base string, err error) error {
	var st unix.Stat_t
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		if unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return fmt.Errorf("%w: %s", errSymlinkPath, name)
		}
		return fmt.Errorf("%s is not a directory: %w", name, err)
	}
	return fmt.Errorf("open directory %s: %w", name, err)
}

// checkLowers refuses to create the directory name if a layer below has a
// symlink there or on the way: in the merged view the entry would have been
// written through it. Else it returns what the nearest layer below that has
// name has there, or nil.
func (a *applier) checkLowers(name string) (*unix.Stat_t, error) {
	for i, dir := range a.opts.Parents {
		lfd, err := a.lowerFD(i, dir)
		if err != nil {
			return nil, err
		}
		fd, err := unix.Openat2(lfd, name, &unix.OpenHow{
			Flags:   unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS,
		})
		switch {
		case errors.Is(err, unix.ENOENT), errors.Is(err, unix.ENOTDIR):
			continue
		case errors.Is(err, unix.ELOOP), errors.Is(err, unix.EXDEV):
			return nil, fmt.Errorf("%w: %s goes through one in a lower layer", errSymlinkPath, name)
		case err != nil:
			return nil, fmt.Errorf("look up %s in lower layer %s: %w", name, dir, err)
		}
		var st unix.Stat_t
		err = unix.Fstat(fd, &st)
		unix.Close(fd)
		if err != nil {
			return nil, fmt.Errorf("stat %s in lower layer %s: %w", name, dir, err)
		}
		if st.Mode&unix.S_IFMT == unix.S_IFLNK {
			return nil, fmt.Errorf("%w: %s is one in a lower layer", errSymlinkPath, name)
		}
		return &st, nil // the nearest layer that has name decides
	}
	return nil, nil
}

func (a *applier) lowerFD(i int, dir string) (int, error) {
	if a.lowerFDs == nil {
		a.lowerFDs = make([]int, len(a.opts.Parents))
		for j := range a.lowerFDs {
			a.lowerFDs[j] = -1
		}
	}
	if a.lowerFDs[i] < 0 {
		fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("open lower layer %s: %w", dir, err)
		}
		a.lowerFDs[i] = fd
	}
	return a.lowerFDs[i], nil
}

// removeAt removes the entry base of directory pfd (name is its clean
// name), recursively if a directory, without following symlinks.
func (a *applier) removeAt(pfd int, name, base string) error {
	err := unix.Unlinkat(pfd, base, 0)
	if errors.Is(err, unix.EISDIR) {
		a.forget(name)
		err = removeTree(pfd, base)
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove existing %s: %w", name, err)
	}
	return nil
}

func removeTree(pfd int, base string) error {
	err := unix.Unlinkat(pfd, base, unix.AT_REMOVEDIR)
	if !errors.Is(err, unix.ENOTEMPTY) && !errors.Is(err, unix.EEXIST) {
		return err
	}
	fd, err := openDir(pfd, base)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(fd), base)
	names, err := d.Readdirnames(-1)
	if err == nil {
		for _, n := range names {
			err = unix.Unlinkat(fd, n, 0)
			if errors.Is(err, unix.EISDIR) {
				err = removeTree(fd, n)
			}
			if err != nil {
				break
			}
		}
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return unix.Unlinkat(pfd, base, unix.AT_REMOVEDIR)
}

// Package kfile is the one way berth writes kernel files (procfs, sysfs,
// cgroupfs), from the runtime and from the engine's network set-up alike:
// they exist already, take one value per write(2) and cannot be replaced
// by a rename, so internal/atomicfile is not for them. Each is opened
// without following a final symlink, and, for procfs,
// through a handle verified to be a procfs root with the file reached
// without crossing a mount. A mount raced over /proc or over one file in it
// (CVE-2025-52881) then makes the write fail instead of landing elsewhere.
//
// os.Create and os.WriteFile are banned outside tests (`make lint`,
// hack/bans): they follow symlinks and create files, neither of which a
// write to the kernel needs.
package kfile

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// procRootIno is the inode number of every procfs instance's root.
const procRootIno = 1

// Write writes data to the existing file at path, refusing a symlink there.
func Write(path string, data []byte) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", short(data), path, err)
	}
	return writeFD(fd, path, data)
}

func writeFD(fd int, path string, data []byte) error {
	_, err := unix.Write(fd, data)
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", short(data), path, err)
	}
	return nil
}

func short(data []byte) string { return strings.TrimSpace(string(data)) }

// Proc is a verified handle on a procfs root.
type Proc struct {
	fd   int
	path string
}

// OpenProc opens the procfs mounted at path and checks that it is one: a
// bind of something else, or of a procfs subdirectory, is refused.
func OpenProc(path string) (*Proc, error) {
	fd, err := unix.Open(path, unix.O_PATH|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open procfs %s: %w", path, err)
	}
	var st unix.Stat_t
	err = isProc(fd)
	if err == nil {
		err = unix.Fstat(fd, &st)
	}
	if err == nil && st.Ino != procRootIno {
		err = fmt.Errorf("not the root of a procfs (inode %d)", st.Ino)
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("open procfs %s: %w", path, err)
	}
	return &Proc{fd: fd, path: path}, nil
}

// Close releases the handle.
func (p *Proc) Close() { unix.Close(p.fd) }

// Write writes data to rel (like "self/oom_score_adj") inside the procfs.
// The file must be reached without leaving the procfs mount and without a
// magic link, and be on procfs itself: anything mounted over it or over a
// directory on the way fails with EXDEV.
func (p *Proc) Write(rel string, data []byte) error {
	name := p.path + "/" + rel
	var fd int
	var err error
	for range 16 {
		fd, err = unix.Openat2(p.fd, rel, &unix.OpenHow{
			Flags:   unix.O_WRONLY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
			Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_XDEV | unix.RESOLVE_NO_MAGICLINKS,
		})
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if errors.Is(err, unix.EXDEV) {
		return fmt.Errorf("write %q to %s: something is mounted over it, refusing (%w)", short(data), name, err)
	}
	if err != nil {
		return fmt.Errorf("write %q to %s: %w", short(data), name, err)
	}
	if err := isProc(fd); err != nil {
		unix.Close(fd)
		return fmt.Errorf("write %q to %s: %w", short(data), name, err)
	}
	return writeFD(fd, name, data)
}

// WriteProc writes data to rel in the procfs at /proc, verified as
// Proc.Write does.
func WriteProc(rel string, data []byte) error {
	p, err := OpenProc("/proc")
	if err != nil {
		return err
	}
	defer p.Close()
	return p.Write(rel, data)
}

func isProc(fd int) error {
	var sf unix.Statfs_t
	if err := unix.Fstatfs(fd, &sf); err != nil {
		return fmt.Errorf("statfs: %w", err)
	}
	if sf.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("not on procfs (filesystem magic %#x)", sf.Type)
	}
	return nil
}

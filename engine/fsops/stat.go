package fsops

import (
	"os"
	"path"
	"time"

	"golang.org/x/sys/unix"
)

// PathStat is what Docker's archive endpoints say of a path in a
// container (the X-Docker-Container-Path-Stat header).
type PathStat struct {
	Name       string
	Size       int64
	Mode       os.FileMode
	Mtime      time.Time
	LinkTarget string
}

// Stat stats p under the root dir without following a final symlink
// (resolved inside the root, as cp does). A missing path is an error that
// wraps unix.ENOENT or unix.ENOTDIR (fs.ErrNotExist for the first).
func Stat(dir, p string) (PathStat, error) {
	r, err := openRoot(dir)
	if err != nil {
		return PathStat{}, err
	}
	defer r.Close()
	clean := path.Clean("/" + p)
	st, err := r.lstat(clean)
	if err != nil {
		return PathStat{}, err
	}
	ps := PathStat{Name: path.Base(clean), Size: st.Size, Mode: fileMode(st.Mode),
		Mtime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec)}
	if ps.Mode&os.ModeSymlink != 0 {
		if t, err := r.follow(clean); err == nil {
			ps.LinkTarget = t
		}
	}
	return ps, nil
}

// fileMode turns a stat mode into Go's, which Docker's clients decode.
func fileMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0o777)
	switch m & unix.S_IFMT {
	case unix.S_IFDIR:
		fm |= os.ModeDir
	case unix.S_IFLNK:
		fm |= os.ModeSymlink
	case unix.S_IFIFO:
		fm |= os.ModeNamedPipe
	case unix.S_IFSOCK:
		fm |= os.ModeSocket
	case unix.S_IFBLK:
		fm |= os.ModeDevice
	case unix.S_IFCHR:
		fm |= os.ModeDevice | os.ModeCharDevice
	}
	if m&unix.S_ISUID != 0 {
		fm |= os.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		fm |= os.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

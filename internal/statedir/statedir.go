// Package statedir makes berth's directories and sockets with the modes
// berth chose, whatever the caller's umask. A umask only clears bits, so a
// loose one (000) never widens a 0700 request, but a tight one (077) turns
// a 0755 directory a container's users must enter into 0700; and a socket
// is made 0777 less the umask. So every mode is set again after creation.
//
// Berth's own state (under --root and --runroot) is root-only: the roots
// and every directory in them are 0700 (Mode). Only what a container sees
// as its own content keeps a wider mode (its root directory, a volume's
// _data, the /etc files bind-mounted into it), and that is reached only
// through a 0700 directory.
package statedir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Mode is the mode of berth's state directories. It is 0700, not Docker's
// 0710: with no user namespace remapping in the engine, no uid but root's
// ever needs to pass through them (a remapped root would need 0710 with
// its group, as Docker does for userns-remap).
const Mode os.FileMode = 0o700

// MkdirAll makes dir and its missing parents, each with exactly mode (its
// permission bits).
// Directories that exist are left as they are.
func MkdirAll(dir string, mode os.FileMode) error {
	st, err := os.Stat(dir)
	if err == nil {
		if !st.IsDir() {
			return fmt.Errorf("mkdir %s: %w", dir, unix.ENOTDIR)
		}
		return nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("mkdir %s: %w", dir, err)
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := MkdirAll(parent, mode); err != nil {
			return err
		}
	}
	return Mkdir(dir, mode)
}

// Mkdir makes dir with exactly mode; one that exists (a concurrent berth
// made it) is left as it is.
func Mkdir(dir string, mode os.FileMode) error {
	if err := os.Mkdir(dir, mode); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return err
	}
	return chmodDir(dir, mode)
}

// Ensure makes dir (and missing parents) with mode and, when it exists
// with another mode, sets mode on it: older versions of berth made their
// state directories 0711 or 0701.
func Ensure(dir string, mode os.FileMode) error {
	if err := MkdirAll(dir, mode); err != nil {
		return err
	}
	return chmodDir(dir, mode)
}

// chmodDir sets mode on the directory dir through a descriptor opened
// without following a symlink, so a directory swapped for a link after
// the mkdir never gets its target's mode changed.
func chmodDir(dir string, mode os.FileMode) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("set mode of %s: %w", dir, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("set mode of %s: %w", dir, err)
	}
	if os.FileMode(st.Mode&0o7777) == mode.Perm() {
		return nil
	}
	if err := unix.Fchmod(fd, uint32(mode.Perm())); err != nil {
		return fmt.Errorf("set mode of %s: %w", dir, err)
	}
	return nil
}

// SocketMode is the mode of every socket berth listens on: only root may
// connect.
const SocketMode os.FileMode = 0o600

// ChmodSocket sets SocketMode on the socket name in the directory dirfd
// refers to (AT_FDCWD for a path). bind made it 0777 less the umask; the
// caller binds in a 0700 directory, so no one could reach it in between.
func ChmodSocket(dirfd int, name string) error {
	if err := unix.Fchmodat(dirfd, name, uint32(SocketMode), 0); err != nil {
		return fmt.Errorf("set mode of socket %s: %w", name, err)
	}
	return nil
}

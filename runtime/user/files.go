// Package user resolves container users from the container's own
// /etc/passwd and /etc/group and switches the calling thread to them.
package user

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

type passwdEntry struct {
	name     string
	uid, gid uint32
	home     string
}

type groupEntry struct {
	name    string
	gid     uint32
	members []string
}

// openInRoot opens path inside rootfs for reading. Symlinks and ".." are
// resolved as if rootfs were "/", so an image cannot point /etc/passwd at a
// host file. A missing file gives a nil file and no error: images without
// /etc/passwd are common.
//
// openat2's RESOLVE_IN_ROOT keeps the walk inside rootfs in the kernel, with
// no need of pathrs-lite's O_PATH handle, its reopening through a private
// procfs mount and that mount's check, which cost every exec a new procfs
// instance; pathrs-lite remains for kernels without openat2. O_NONBLOCK: a
// FIFO there must not hang the runtime; only a regular file is read.
func openInRoot(rootfs, path string) (*os.File, error) {
	f, err := openat2InRoot(rootfs, path)
	if errors.Is(err, unix.ENOSYS) {
		return openInRootPathrs(rootfs, path)
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", path, rootfs, err)
	}
	return f, nil
}

func openat2InRoot(rootfs, path string) (*os.File, error) {
	dir, err := unix.Open(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: rootfs, Err: err}
	}
	defer unix.Close(dir)
	var fd int
	for {
		fd, err = unix.Openat2(dir, path, &unix.OpenHow{
			Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NOCTTY | unix.O_NONBLOCK,
			Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
		})
		// EAGAIN: a rename or mount raced the walk; the kernel asks for a retry.
		if err != unix.EAGAIN && err != unix.EINTR {
			break
		}
	}
	if err != nil {
		return nil, &os.PathError{Op: "openat2", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

func openInRootPathrs(rootfs, path string) (*os.File, error) {
	h, err := pathrs.OpenInRoot(rootfs, path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s in %s: %w", path, rootfs, err)
	}
	defer h.Close()
	f, err := pathrs.Reopen(h, unix.O_RDONLY|unix.O_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("reopen %s in %s: %w", path, rootfs, err)
	}
	return f, nil
}

// readEntries calls parse on the colon-separated fields of each line of
// rootfs/path, skipping comments and lines parse rejects, as libc does.
func readEntries(rootfs, path string, parse func([]string)) error {
	f, err := openInRoot(rootfs, path)
	if err != nil || f == nil {
		return err
	}
	defer f.Close()
	if err := scanEntries(f, parse); err != nil {
		return fmt.Errorf("read %s in %s: %w", path, rootfs, err)
	}
	return nil
}

func scanEntries(r io.Reader, parse func([]string)) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parse(strings.Split(line, ":"))
	}
	return sc.Err()
}

func parseID(s string) (uint32, bool) {
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

func readPasswd(rootfs string) ([]passwdEntry, error) {
	var out []passwdEntry
	err := readEntries(rootfs, "/etc/passwd", func(f []string) {
		if len(f) < 6 {
			return
		}
		uid, ok1 := parseID(f[2])
		gid, ok2 := parseID(f[3])
		if ok1 && ok2 {
			out = append(out, passwdEntry{name: f[0], uid: uid, gid: gid, home: f[5]})
		}
	})
	return out, err
}

func readGroup(rootfs string) ([]groupEntry, error) {
	var out []groupEntry
	err := readEntries(rootfs, "/etc/group", func(f []string) {
		if len(f) < 3 {
			return
		}
		gid, ok := parseID(f[2])
		if !ok {
			return
		}
		g := groupEntry{name: f[0], gid: gid}
		if len(f) > 3 && f[3] != "" {
			g.members = strings.Split(f[3], ",")
		}
		out = append(out, g)
	})
	return out, err
}

// HomeDir returns the home directory of uid in rootfs's /etc/passwd, or "/"
// when the file or the user is missing or unreadable, as runc does for HOME.
func HomeDir(rootfs string, uid uint32) string {
	users, err := readPasswd(rootfs)
	if err != nil {
		return "/"
	}
	for _, u := range users {
		if u.uid == uid && u.home != "" {
			return u.home
		}
	}
	return "/"
}

// Package maskpaths applies a container's linux.maskedPaths and
// linux.readonlyPaths once it is in its root: /dev/null over a masked
// file, an empty read-only tmpfs over a masked directory, a read-only
// bind of a path onto itself; and the read-only remount of /dev and of
// the root. Every path is resolved inside the root through a Root, and
// the mounts are made with the new mount API on those handles, so none
// of this needs /proc (the spec may not mount one).
package maskpaths

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"
)

// Root resolves paths inside the container's root; runtime/rootfs's
// resolver is one. These run after pivot_root, when / is the container's
// root.
type Root interface {
	// Open opens p inside the root (O_CLOEXEC added); the caller closes
	// the fd.
	Open(p string, flags int) (int, error)
}

// Readonly binds p onto itself read-only, nosuid, nodev and noexec.
// mount_setattr only sets flags, so flags the source already had (locked
// ones included) stay. A missing path is skipped, as with runc.
func Readonly(r Root, p string) error {
	fd, err := r.Open(p, unix.O_PATH)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("make %s read-only: %w", p, err)
	}
	defer unix.Close(fd)
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("make %s read-only: clone: %w", p, err)
	}
	defer unix.Close(tree)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC}
	if err := setattr(tree, false, &attr); err != nil {
		return fmt.Errorf("make %s read-only: %w", p, err)
	}
	if err := moveMount(tree, fd); err != nil {
		return fmt.Errorf("make %s read-only: attach: %w", p, err)
	}
	if ktrace.On() {
		ktrace.F("open_tree(%q, OPEN_TREE_CLONE|AT_RECURSIVE), mount_setattr(tree, {attr_set=%s})", p, ktrace.Names(attr.Attr_set, ktrace.MountAttrs))
		traceMoveMount("tree", p)
	}
	return nil
}

// Mask hides each of paths: /dev/null over a file, an empty read-only
// tmpfs over a directory. A missing path is skipped; a path listed twice
// (however spelled: "/a/", "/a") is masked once, as runc does, so the
// container does not see two stacked masks. Every masked directory gets a
// clone of one tmpfs instead of a tmpfs of its own: one superblock for
// all of them, as in runc, however many the spec lists.
func Mask(r Root, paths []string) error {
	tmpfs := -1
	defer func() {
		if tmpfs >= 0 {
			unix.Close(tmpfs)
		}
	}()
	for _, p := range Unique(paths) {
		if err := mask(r, p, &tmpfs); err != nil {
			return err
		}
	}
	return nil
}

// Unique is paths cleaned, in their first order, without repeats.
func Unique(paths []string) []string {
	seen := make(map[string]bool, len(paths))
	out := make([]string, 0, len(paths))
	for _, p := range paths {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// mask hides p. *tmpfs is the shared empty tmpfs, made on first use.
func mask(r Root, p string, tmpfs *int) error {
	fd, err := r.Open(p, unix.O_PATH)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return maskDir(fd, p, tmpfs)
	}
	tree, err := cloneDevNull(r)
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	defer unix.Close(tree)
	if err := moveMount(tree, fd); err != nil {
		return fmt.Errorf("mask %s: attach: %w", p, err)
	}
	traceMoveMount("tree of /dev/null", p)
	return nil
}

// maskDir covers the directory open as fd with the shared empty tmpfs.
// The first masked directory gets the new tmpfs itself; its fd, attached
// from then on, is kept in *tmpfs and each later directory gets a clone
// of it (open_tree clones only attached mounts before Linux 6.15, so the
// clones are made after the first attach). A clone keeps the read-only
// flag, and all share the one superblock.
func maskDir(fd int, p string, tmpfs *int) error {
	if *tmpfs >= 0 {
		tree, err := unix.OpenTree(*tmpfs, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
		if err != nil {
			return fmt.Errorf("mask %s: clone the masking tmpfs: %w", p, err)
		}
		defer unix.Close(tree)
		if err := moveMount(tree, fd); err != nil {
			return fmt.Errorf("mask %s: attach: %w", p, err)
		}
		traceMoveMount("clone of the masking tmpfs", p)
		return nil
	}
	tree, err := emptyTmpfs()
	if err != nil {
		return fmt.Errorf("mask %s: %w", p, err)
	}
	if err := moveMount(tree, fd); err != nil {
		unix.Close(tree)
		return fmt.Errorf("mask %s: attach: %w", p, err)
	}
	traceMoveMount("empty read-only tmpfs", p)
	*tmpfs = tree
	return nil
}

// cloneDevNull returns a detached bind of the container's /dev/null, after
// checking that it is the real 1:3 node. The container may have replaced
// it with a symlink (to /proc/sys/kernel/core_pattern, say) or another
// file: masking with that would expose or make writable what it names
// (CVE-2025-31133). The node is opened without following a symlink and
// cloned from that very fd.
func cloneDevNull(r Root) (int, error) {
	fd, err := r.Open("/dev/null", unix.O_PATH|unix.O_NOFOLLOW)
	if err != nil {
		return -1, fmt.Errorf("open /dev/null: %w", err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return -1, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		return -1, fmt.Errorf("/dev/null is not the 1:3 character device (mode %#o, device %d:%d): refusing to mask with it",
			st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return -1, fmt.Errorf("clone /dev/null: %w", err)
	}
	return tree, nil
}

// emptyTmpfs returns a detached, read-only, empty tmpfs.
func emptyTmpfs() (int, error) {
	fs, err := unix.Fsopen("tmpfs", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen tmpfs: %w", err)
	}
	defer unix.Close(fs)
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, fmt.Errorf("create tmpfs: %w", err)
	}
	m, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY)
	if err != nil {
		return -1, fmt.Errorf("fsmount tmpfs: %w", err)
	}
	return m, nil
}

// RemountReadonly makes the mount at p read-only, keeping its other flags.
func RemountReadonly(r Root, p string) error {
	fd, err := r.Open(p, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return fmt.Errorf("remount %s read-only: %w", p, err)
	}
	defer unix.Close(fd)
	if err := setattr(fd, false, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
		return fmt.Errorf("remount %s read-only: %w", p, err)
	}
	ktrace.F("mount_setattr(%q, \"\", AT_EMPTY_PATH, {attr_set=MOUNT_ATTR_RDONLY})", p)
	return nil
}

// moveMount attaches the detached mount tree to the file or directory
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

func traceMoveMount(what, dst string) {
	ktrace.F("move_mount(%s, \"\", AT_FDCWD, %q, MOVE_MOUNT_F_EMPTY_PATH)", what, dst)
}

// Package devnode fills a container's /dev: the default nodes every
// container gets (null, zero, full, tty, random, urandom, as with runc)
// merged with linux.devices, made with mknod or, where a user namespace
// forbids mknod, bound from the host's node of the same path; then
// /dev/ptmx pointing at the devpts instance and the /proc/self/fd links.
// Every path is resolved inside the rootfs through a Root, so a rootfs
// symlink cannot lead a node out of it.
package devnode

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"
)

// Root resolves paths inside the container's rootfs; each method returns
// a descriptor the caller closes. runtime/rootfs's resolver is one.
type Root interface {
	// Open opens p inside the root (O_CLOEXEC added).
	Open(p string, flags int) (int, error)
	// MkdirAll creates p's missing directories and returns an O_PATH fd.
	MkdirAll(p string, mode uint32) (int, error)
	// Parent returns an fd of p's parent directory and p's last element.
	Parent(p string) (int, string, error)
}

// Defaults are the nodes every container gets, as with runc.
var Defaults = []specs.LinuxDevice{
	charDevice("/dev/null", 1, 3),
	charDevice("/dev/zero", 1, 5),
	charDevice("/dev/full", 1, 7),
	charDevice("/dev/tty", 5, 0),
	charDevice("/dev/urandom", 1, 9),
	charDevice("/dev/random", 1, 8),
}

func charDevice(path string, major, minor int64) specs.LinuxDevice {
	mode := os.FileMode(0o666)
	var id uint32
	return specs.LinuxDevice{Path: path, Type: "c", Major: major, Minor: minor, FileMode: &mode, UID: &id, GID: &id}
}

// devLinks are the symlinks runc puts in /dev.
var devLinks = [][2]string{
	{"/proc/self/fd", "fd"},
	{"/proc/self/fd/0", "stdin"},
	{"/proc/self/fd/1", "stdout"},
	{"/proc/self/fd/2", "stderr"},
}

// Create fills /dev under r: the default and spec devices, /dev/ptmx
// pointing at the devpts instance, and the /proc/self/fd links. userns
// says that mknod is impossible, so nodes are bound from the host; rootfs
// names the root in errors.
func Create(r Root, rootfs string, spec *specs.Spec, userns bool) error {
	// Nodes get exactly the spec's modes.
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range Merge(spec) {
		if err := create(r, d, userns); err != nil {
			return err
		}
	}
	dev, err := r.MkdirAll("/dev", 0o755)
	if err != nil {
		return fmt.Errorf("open /dev in rootfs %s: %w", rootfs, err)
	}
	defer unix.Close(dev)
	if err := unix.Unlinkat(dev, "ptmx", 0); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove /dev/ptmx: %w", err)
	}
	links := append(append([][2]string{}, devLinks...), [2]string{"pts/ptmx", "ptmx"})
	// /dev/core only makes sense where the kernel has /proc/kcore.
	if _, err := os.Stat("/proc/kcore"); err == nil {
		links = append(links, [2]string{"/proc/kcore", "core"})
	}
	for _, l := range links {
		if err := unix.Symlinkat(l[0], dev, l[1]); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("symlink /dev/%s -> %s: %w", l[1], l[0], err)
		}
	}
	return nil
}

// Merge is the defaults with linux.devices; a spec entry replaces a
// default of the same path.
func Merge(spec *specs.Spec) []specs.LinuxDevice {
	var extra []specs.LinuxDevice
	if spec != nil && spec.Linux != nil {
		extra = spec.Linux.Devices
	}
	out := make([]specs.LinuxDevice, 0, len(Defaults)+len(extra))
	for _, d := range Defaults {
		if !hasDevice(extra, d.Path) {
			out = append(out, d)
		}
	}
	return append(out, extra...)
}

func hasDevice(list []specs.LinuxDevice, path string) bool {
	for _, d := range list {
		if filepath.Clean(d.Path) == path {
			return true
		}
	}
	return false
}

// create makes one node with mknod, or bind-mounts the host's node when
// mknod is not allowed (user namespace).
func create(r Root, d specs.LinuxDevice, userns bool) error {
	mode, err := Mode(d)
	if err != nil {
		return err
	}
	parent, name, err := r.Parent(d.Path)
	if err != nil {
		return fmt.Errorf("create device %s: %w", d.Path, err)
	}
	defer unix.Close(parent)
	if !userns {
		err = unix.Mknodat(parent, name, mode, int(unix.Mkdev(uint32(d.Major), uint32(d.Minor))))
		switch {
		case errors.Is(err, unix.EEXIST):
			return nil
		case err == nil:
			ktrace.F("mknod(%q, %#o, makedev(%d, %d))", d.Path, mode, d.Major, d.Minor)
			return chownDevice(parent, name, d)
		case !errors.Is(err, unix.EPERM):
			return fmt.Errorf("mknod device %s: %w", d.Path, err)
		}
	}
	return bindDevice(r, parent, name, d)
}

// Mode is d's mknod mode: its file type from d.Type ("c", "u", "b", "p")
// and its permissions from d.FileMode, 0666 when unset.
func Mode(d specs.LinuxDevice) (uint32, error) {
	perm := uint32(0o666)
	if d.FileMode != nil {
		perm = uint32(*d.FileMode & os.ModePerm)
	}
	switch d.Type {
	case "c", "u":
		return unix.S_IFCHR | perm, nil
	case "b":
		return unix.S_IFBLK | perm, nil
	case "p":
		return unix.S_IFIFO | perm, nil
	}
	return 0, fmt.Errorf("create device %s: unknown device type %q", d.Path, d.Type)
}

func chownDevice(parent int, name string, d specs.LinuxDevice) error {
	uid, gid := 0, 0
	if d.UID != nil {
		uid = int(*d.UID)
	}
	if d.GID != nil {
		gid = int(*d.GID)
	}
	if err := unix.Fchownat(parent, name, uid, gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown device %s to %d:%d: %w", d.Path, uid, gid, err)
	}
	return nil
}

// bindDevice covers an empty file with the host's node of the same path.
func bindDevice(r Root, parent int, name string, d specs.LinuxDevice) error {
	if err := unix.Mknodat(parent, name, unix.S_IFREG|0o666, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create mount point for device %s: %w", d.Path, err)
	}
	dst, err := r.Open(d.Path, unix.O_PATH)
	if err != nil {
		return fmt.Errorf("open mount point for device %s: %w", d.Path, err)
	}
	defer unix.Close(dst)
	tree, err := unix.OpenTree(unix.AT_FDCWD, d.Path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fmt.Errorf("bind device %s from host: %w", d.Path, err)
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", dst, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("bind device %s from host: %w", d.Path, err)
	}
	ktrace.F("open_tree(AT_FDCWD, %q, OPEN_TREE_CLONE)", d.Path)
	ktrace.F("move_mount(tree, \"\", AT_FDCWD, %q, MOVE_MOUNT_F_EMPTY_PATH)", d.Path)
	return nil
}

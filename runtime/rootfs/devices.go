package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"
)

// defaultDevices are the nodes every container gets, as with runc.
var defaultDevices = []specs.LinuxDevice{
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

// createDev fills /dev: the default and spec devices, /dev/ptmx pointing
// at the devpts instance, and the /proc/self/fd links.
func (s *setup) createDev() error {
	// Nodes get exactly the spec's modes.
	old := unix.Umask(0)
	defer unix.Umask(old)
	for _, d := range devices(s.c.Spec) {
		if err := s.createDevice(d); err != nil {
			return err
		}
	}
	dev, err := s.root.mkdirAll("/dev", 0o755)
	if err != nil {
		return fmt.Errorf("open /dev in rootfs %s: %w", s.c.Rootfs, err)
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

// devices merges the defaults with linux.devices; a spec entry replaces a
// default of the same path.
func devices(spec *specs.Spec) []specs.LinuxDevice {
	var extra []specs.LinuxDevice
	if spec.Linux != nil {
		extra = spec.Linux.Devices
	}
	out := make([]specs.LinuxDevice, 0, len(defaultDevices)+len(extra))
	for _, d := range defaultDevices {
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

// createDevice makes one node with mknod, or bind-mounts the host's node
// when mknod is not allowed (user namespace).
func (s *setup) createDevice(d specs.LinuxDevice) error {
	mode, err := deviceMode(d)
	if err != nil {
		return err
	}
	parent, name, err := s.root.parent(d.Path)
	if err != nil {
		return fmt.Errorf("create device %s: %w", d.Path, err)
	}
	defer unix.Close(parent)
	if !s.userns {
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
	return s.bindDevice(parent, name, d)
}

func deviceMode(d specs.LinuxDevice) (uint32, error) {
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
func (s *setup) bindDevice(parent int, name string, d specs.LinuxDevice) error {
	if err := unix.Mknodat(parent, name, unix.S_IFREG|0o666, 0); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("create mount point for device %s: %w", d.Path, err)
	}
	dst, err := s.root.open(d.Path, unix.O_PATH)
	if err != nil {
		return fmt.Errorf("open mount point for device %s: %w", d.Path, err)
	}
	defer unix.Close(dst)
	tree, err := unix.OpenTree(unix.AT_FDCWD, d.Path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fmt.Errorf("bind device %s from host: %w", d.Path, err)
	}
	defer unix.Close(tree)
	if err := moveMount(tree, dst); err != nil {
		return fmt.Errorf("bind device %s from host: %w", d.Path, err)
	}
	ktrace.F("open_tree(AT_FDCWD, %q, OPEN_TREE_CLONE)", d.Path)
	traceMoveMount("tree", d.Path)
	return nil
}

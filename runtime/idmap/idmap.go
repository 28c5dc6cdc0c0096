// Package idmap makes id-mapped bind mounts (runtime-spec 1.3's per-mount
// uidMappings and gidMappings, runc's idmap and ridmap options): a clone
// of the source tree (open_tree) gets a user namespace attached with
// mount_setattr(MOUNT_ATTR_IDMAP) while it is still detached, and is then
// moved into place like any bind.
//
// The user namespace comes from the mount's own mappings or, when it has
// none, from the container's: the one it joins by path, or one made with
// linux.uidMappings and linux.gidMappings. Attaching it needs
// CAP_SYS_ADMIN on the host, so a container init inside a user namespace
// cannot do it: it clones the source and hands the tree to the runtime to
// map (remote.go). Either way the source is cloned at the mount's turn in
// the container's mount namespace, so a source under an earlier mount of
// the container is found, and the user namespaces are made beforehand.
package idmap

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/mountopt"
)

// FDs is what one id-mapped bind needs at its turn, as fd numbers in the
// process that makes the mounts.
type FDs struct {
	// Userns is the user namespace the mount takes its maps from.
	Userns int `json:"userns"`
	// Sock is the runtime's mapping socket for a mounter in a user
	// namespace (MapRemote), or -1: the mounter maps with Userns itself.
	Sock int `json:"sock"`
}

// Wanted says whether a spec mount is id-mapped: it has mappings of its
// own or the idmap or ridmap option.
func Wanted(m *specs.Mount, o mountopt.Options) bool {
	return o.IDMap || len(m.UIDMappings) != 0 || len(m.GIDMappings) != 0
}

// request is one id-mapped mount of a spec, checked.
type request struct {
	idx            int
	src, dst       string
	bindRec, idRec bool
	// key names the user namespace: a path to open, or the maps to make.
	key        string
	nsPath     string
	uids, gids []specs.LinuxIDMapping
}

// plan checks the spec's id-mapped mounts the way runc 1.5 does and says
// which user namespace each one takes.
func plan(s *specs.Spec, bundle string) ([]request, error) {
	var out []request
	for i := range s.Mounts {
		m := &s.Mounts[i]
		o, err := mountopt.Parse(m.Options)
		if err != nil || !Wanted(m, o) {
			continue // a bad option is reported by the mount itself
		}
		fail := func(why string) error {
			return fmt.Errorf("id-mapped mount %s on %s (mounts[%d]): %s", m.Source, m.Destination, i, why)
		}
		if m.Type != "bind" && !o.IsBind() {
			return nil, fail("id-mapped mounts are only supported for bind mounts")
		}
		if os.Geteuid() != 0 {
			return nil, fail("id-mapped mounts need root on the host (CAP_SYS_ADMIN), they are not supported for rootless containers")
		}
		r := request{idx: i, src: m.Source, dst: m.Destination, bindRec: o.Flags&unix.MS_REC != 0, idRec: o.IDMapRecursive}
		if !filepath.IsAbs(r.src) {
			r.src = filepath.Join(bundle, r.src)
		}
		switch {
		case len(m.UIDMappings) != 0 && len(m.GIDMappings) != 0:
			r.uids, r.gids = m.UIDMappings, m.GIDMappings
		case len(m.UIDMappings) != 0 || len(m.GIDMappings) != 0:
			return nil, fail("id-mapped mounts must have both uidMappings and gidMappings")
		default:
			ns, ok := userNamespace(s)
			switch {
			case !ok:
				return nil, fail("idmap without uidMappings and gidMappings takes the container's user namespace, and there is none")
			case ns.Path != "":
				r.nsPath = ns.Path
			case len(s.Linux.UIDMappings) == 0 || len(s.Linux.GIDMappings) == 0:
				return nil, fail("idmap without mappings of its own needs linux.uidMappings and linux.gidMappings")
			default:
				r.uids, r.gids = s.Linux.UIDMappings, s.Linux.GIDMappings
			}
		}
		if err := checkMaps(r.uids, r.gids); err != nil {
			return nil, fail(err.Error())
		}
		r.key = "path:" + r.nsPath
		if r.nsPath == "" {
			r.key = "maps:" + mapsKey(r.uids) + "/" + mapsKey(r.gids)
		}
		out = append(out, r)
	}
	return out, nil
}

func userNamespace(s *specs.Spec) (specs.LinuxNamespace, bool) {
	if s.Linux == nil {
		return specs.LinuxNamespace{}, false
	}
	for _, n := range s.Linux.Namespaces {
		if n.Type == specs.UserNamespace {
			return n, true
		}
	}
	return specs.LinuxNamespace{}, false
}

// checkMaps refuses what the kernel would refuse with a bare EINVAL or
// EPERM when the maps are written: empty ranges, overflow, overlaps.
func checkMaps(uids, gids []specs.LinuxIDMapping) error {
	for _, set := range []struct {
		name string
		m    []specs.LinuxIDMapping
	}{{"uidMappings", uids}, {"gidMappings", gids}} {
		if len(set.m) > 340 {
			return fmt.Errorf("%s: %d ranges, the kernel takes at most 340", set.name, len(set.m))
		}
		for i, a := range set.m {
			if a.Size == 0 {
				return fmt.Errorf("%s[%d]: size 0", set.name, i)
			}
			if uint64(a.ContainerID)+uint64(a.Size) > 1<<32 || uint64(a.HostID)+uint64(a.Size) > 1<<32 {
				return fmt.Errorf("%s[%d]: range %d:%d:%d goes past the last id", set.name, i, a.ContainerID, a.HostID, a.Size)
			}
			for j, b := range set.m[:i] {
				if overlap(a.ContainerID, b.ContainerID, a.Size, b.Size) || overlap(a.HostID, b.HostID, a.Size, b.Size) {
					return fmt.Errorf("%s[%d] overlaps %s[%d]", set.name, i, set.name, j)
				}
			}
		}
	}
	return nil
}

func overlap(a, b, na, nb uint32) bool {
	return uint64(a) < uint64(b)+uint64(nb) && uint64(b) < uint64(a)+uint64(na)
}

func mapsKey(m []specs.LinuxIDMapping) string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = fmt.Sprintf("%d:%d:%d", e.ContainerID, e.HostID, e.Size)
	}
	return strings.Join(parts, ",")
}

// Clone clones src (with its submounts when bindRec) as a detached tree
// and id-maps it (its submounts too when idRec) with the user namespace
// userns. The tree is returned as an fd for move_mount.
func Clone(src string, bindRec, idRec bool, userns int) (int, error) {
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if bindRec {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(unix.AT_FDCWD, src, flags)
	if err != nil {
		return -1, fmt.Errorf("clone %s: %w", src, err)
	}
	if err := Map(tree, src, idRec, userns); err != nil {
		unix.Close(tree)
		return -1, err
	}
	return tree, nil
}

// Map attaches userns's maps to the detached tree (recursively: to every
// mount in it). src names the tree in errors.
func Map(tree int, src string, recursive bool, userns int) error {
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_IDMAP, Userns_fd: uint64(userns)}
	flags := unix.AT_EMPTY_PATH
	if recursive {
		flags |= unix.AT_RECURSIVE
	}
	err := unix.MountSetattr(tree, "", uint(flags), &attr)
	if err == nil {
		return nil
	}
	if errors.Is(err, unix.EINVAL) {
		var sf unix.Statfs_t
		if unix.Fstatfs(tree, &sf) == nil {
			return fmt.Errorf("id-map %s: the kernel refused it (%w): its %s filesystem does not support id-mapped mounts", src, err, fsName(sf.Type))
		}
	}
	if errors.Is(err, unix.EPERM) {
		return fmt.Errorf("id-map %s: %w (the kernel maps a mount once: is it id-mapped already?)", src, err)
	}
	return fmt.Errorf("id-map %s: %w", src, err)
}

// fsName names the filesystems an id-mapped mount is most often tried on.
func fsName(magic int64) string {
	names := map[int64]string{
		unix.OVERLAYFS_SUPER_MAGIC: "overlay", unix.TMPFS_MAGIC: "tmpfs", unix.EXT4_SUPER_MAGIC: "ext4",
		unix.XFS_SUPER_MAGIC: "xfs", unix.BTRFS_SUPER_MAGIC: "btrfs", unix.NFS_SUPER_MAGIC: "nfs",
		unix.FUSE_SUPER_MAGIC: "fuse", unix.PROC_SUPER_MAGIC: "proc", unix.SYSFS_MAGIC: "sysfs",
		unix.RAMFS_MAGIC: "ramfs", unix.V9FS_MAGIC: "9p", unix.SQUASHFS_MAGIC: "squashfs",
	}
	if n, ok := names[magic]; ok {
		return n
	}
	return fmt.Sprintf("%#x", magic)
}

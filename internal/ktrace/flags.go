package ktrace

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Argv renders an argument vector as strace does: ["sh", "-c", "true"].
func Argv(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Flag names one bit of a flags argument as the man pages spell it.
type Flag struct {
	Bit  uint64
	Name string
}

// Names renders flags as "A|B|0x40" (the bits without a name in hex), or
// "0" when none is set.
func Names(flags uint64, names []Flag) string {
	var parts []string
	for _, n := range names {
		if n.Bit != 0 && flags&n.Bit == n.Bit {
			parts = append(parts, n.Name)
			flags &^= n.Bit
		}
	}
	if flags != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(flags, 16))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}

// CloneFlags are the CLONE_* bits of clone3, unshare and setns.
var CloneFlags = []Flag{
	{unix.CLONE_NEWUSER, "CLONE_NEWUSER"}, {unix.CLONE_NEWPID, "CLONE_NEWPID"},
	{unix.CLONE_NEWNS, "CLONE_NEWNS"}, {unix.CLONE_NEWUTS, "CLONE_NEWUTS"},
	{unix.CLONE_NEWIPC, "CLONE_NEWIPC"}, {unix.CLONE_NEWNET, "CLONE_NEWNET"},
	{unix.CLONE_NEWCGROUP, "CLONE_NEWCGROUP"}, {unix.CLONE_NEWTIME, "CLONE_NEWTIME"},
	{unix.CLONE_FS, "CLONE_FS"}, {unix.CLONE_VFORK, "CLONE_VFORK"}, {unix.CLONE_VM, "CLONE_VM"},
	{unix.CLONE_PIDFD, "CLONE_PIDFD"}, {unix.CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"},
}

// MountFlags are the MS_* bits of mount(2).
var MountFlags = []Flag{
	{unix.MS_RDONLY, "MS_RDONLY"}, {unix.MS_NOSUID, "MS_NOSUID"}, {unix.MS_NODEV, "MS_NODEV"},
	{unix.MS_NOEXEC, "MS_NOEXEC"}, {unix.MS_SYNCHRONOUS, "MS_SYNCHRONOUS"}, {unix.MS_REMOUNT, "MS_REMOUNT"},
	{unix.MS_MANDLOCK, "MS_MANDLOCK"}, {unix.MS_DIRSYNC, "MS_DIRSYNC"}, {unix.MS_NOATIME, "MS_NOATIME"},
	{unix.MS_NODIRATIME, "MS_NODIRATIME"}, {unix.MS_BIND, "MS_BIND"}, {unix.MS_MOVE, "MS_MOVE"},
	{unix.MS_REC, "MS_REC"}, {unix.MS_SILENT, "MS_SILENT"}, {unix.MS_UNBINDABLE, "MS_UNBINDABLE"},
	{unix.MS_PRIVATE, "MS_PRIVATE"}, {unix.MS_SLAVE, "MS_SLAVE"}, {unix.MS_SHARED, "MS_SHARED"},
	{unix.MS_RELATIME, "MS_RELATIME"}, {unix.MS_STRICTATIME, "MS_STRICTATIME"},
	{unix.MS_LAZYTIME, "MS_LAZYTIME"},
}

// MountAttrs are the MOUNT_ATTR_* bits of fsmount and mount_setattr.
var MountAttrs = []Flag{
	{unix.MOUNT_ATTR__ATIME, "MOUNT_ATTR__ATIME"}, {unix.MOUNT_ATTR_RDONLY, "MOUNT_ATTR_RDONLY"}, {unix.MOUNT_ATTR_NOSUID, "MOUNT_ATTR_NOSUID"},
	{unix.MOUNT_ATTR_NODEV, "MOUNT_ATTR_NODEV"}, {unix.MOUNT_ATTR_NOEXEC, "MOUNT_ATTR_NOEXEC"},
	{unix.MOUNT_ATTR_NOATIME, "MOUNT_ATTR_NOATIME"}, {unix.MOUNT_ATTR_STRICTATIME, "MOUNT_ATTR_STRICTATIME"},
	{unix.MOUNT_ATTR_NODIRATIME, "MOUNT_ATTR_NODIRATIME"}, {unix.MOUNT_ATTR_IDMAP, "MOUNT_ATTR_IDMAP"},
	{unix.MOUNT_ATTR_NOSYMFOLLOW, "MOUNT_ATTR_NOSYMFOLLOW"},
}

// OpenTreeFlags are the bits of open_tree(2).
var OpenTreeFlags = []Flag{
	{unix.OPEN_TREE_CLONE, "OPEN_TREE_CLONE"}, {unix.OPEN_TREE_CLOEXEC, "OPEN_TREE_CLOEXEC"},
	{unix.AT_RECURSIVE, "AT_RECURSIVE"}, {unix.AT_EMPTY_PATH, "AT_EMPTY_PATH"},
	{unix.AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"},
}

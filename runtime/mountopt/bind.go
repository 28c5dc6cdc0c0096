package mountopt

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// A bind mount's own flags are changed after the bind the way runc's
// mount(MS_BIND|MS_REMOUNT|flags) changes them, done here with
// mount_setattr on the detached tree. These are the kernel's rules for
// such a remount (path_mount in fs/namespace.c), which BindAttr follows.

const (
	// atimeEnum are the mutually exclusive access-time modes.
	atimeEnum = unix.MS_NOATIME | unix.MS_RELATIME | unix.MS_STRICTATIME
	// atimeFlags are the flags that, given to a remount, replace the
	// mount's access-time settings; without any, the remount keeps them.
	atimeFlags = atimeEnum | unix.MS_NODIRATIME
	// LockFlags are the flags a user namespace locks on the mounts it
	// inherits (the kernel's MNT_LOCK_*): it may add them, never clear them.
	LockFlags = unix.MS_RDONLY | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSUID | atimeFlags
)

// perMountFlags are the flags a bind remount sets when asked and clears
// otherwise, translated to MOUNT_ATTR_* bits.
var perMountFlags = []struct {
	ms   uintptr
	attr uint64
}{
	{unix.MS_RDONLY, unix.MOUNT_ATTR_RDONLY},
	{unix.MS_NOSUID, unix.MOUNT_ATTR_NOSUID},
	{unix.MS_NODEV, unix.MOUNT_ATTR_NODEV},
	{unix.MS_NOEXEC, unix.MOUNT_ATTR_NOEXEC},
	{unix.MS_NOSYMFOLLOW, unix.MOUNT_ATTR_NOSYMFOLLOW},
}

// BindAttr is the mount_setattr equivalent of mount(MS_BIND|MS_REMOUNT|
// flags): every per-mount flag not asked for is cleared. The access-time
// settings (mode and nodiratime) stay as the mount had them unless flags
// name one of them; then strictatime wins over noatime, and relatime is
// the default, as in the kernel. Clearing an atime flag alone ("atime",
// "norelatime") so changes nothing, as with runc and mount(8).
func BindAttr(flags uintptr) unix.MountAttr {
	var a unix.MountAttr
	for _, f := range perMountFlags {
		if flags&f.ms != 0 {
			a.Attr_set |= f.attr
		} else {
			a.Attr_clr |= f.attr
		}
	}
	if flags&atimeFlags == 0 {
		return a
	}
	a.Attr_clr |= unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME
	switch {
	case flags&unix.MS_STRICTATIME != 0:
		a.Attr_set |= unix.MOUNT_ATTR_STRICTATIME
	case flags&unix.MS_NOATIME != 0:
		a.Attr_set |= unix.MOUNT_ATTR_NOATIME
	default:
		a.Attr_set |= unix.MOUNT_ATTR_RELATIME
	}
	if flags&unix.MS_NODIRATIME != 0 {
		a.Attr_set |= unix.MOUNT_ATTR_NODIRATIME
	}
	return a
}

// NeedsBindAttr reports whether a bind mount needs its flags changed after
// the bind: as runc, when any flag beyond bind/rec/remount is set or any
// flag is explicitly cleared ("bind,dev" makes the mount rw and exec too).
// A plain bind keeps the flags of its source.
func NeedsBindAttr(o Options) bool {
	return o.Flags&^(unix.MS_BIND|unix.MS_REC|unix.MS_REMOUNT) != 0 || o.Cleared != 0
}

// LockedRetry is what to ask for when a user namespace refused BindAttr
// (EPERM) on a source whose flags are src (StatfsFlags): runc's
// "mount --bind -o remount" emulation, which keeps the source's lockable
// flags on top of the ones asked for. It fails when the options
// explicitly clear a locked flag the source has, or name an access-time
// setting other than the source's: the mount would not be what was asked.
func LockedRetry(o Options, src uintptr) (uintptr, error) {
	if c := src & o.Cleared & LockFlags; c != 0 {
		return 0, fmt.Errorf("cannot clear locked flags %s", FlagNames(c))
	}
	if o.Flags&atimeFlags != 0 && o.Flags&atimeFlags != src&atimeFlags {
		return 0, fmt.Errorf("cannot change locked atime flags %s", FlagNames(src&atimeFlags))
	}
	return o.Flags | src&LockFlags, nil
}

// StatfsFlags maps the f_flags of statfs(2) on a mount to MS_* flags. The
// kernel reports no strictatime: a mount with no other access-time mode
// has it.
func StatfsFlags(f int64) uintptr {
	const stNoSymfollow = 0x2000 // ST_NOSYMFOLLOW, <linux/statfs.h>
	pairs := []struct {
		st int64
		ms uintptr
	}{
		{unix.ST_RDONLY, unix.MS_RDONLY},
		{unix.ST_NOSUID, unix.MS_NOSUID},
		{unix.ST_NODEV, unix.MS_NODEV},
		{unix.ST_NOEXEC, unix.MS_NOEXEC},
		{unix.ST_NOATIME, unix.MS_NOATIME},
		{unix.ST_NODIRATIME, unix.MS_NODIRATIME},
		{unix.ST_RELATIME, unix.MS_RELATIME},
		{stNoSymfollow, unix.MS_NOSYMFOLLOW},
	}
	var ms uintptr
	for _, p := range pairs {
		if f&p.st != 0 {
			ms |= p.ms
		}
	}
	if ms&atimeEnum == 0 {
		ms |= unix.MS_STRICTATIME
	}
	return ms
}

// FlagNames spells MS_* flags as their mount options, for messages.
func FlagNames(f uintptr) string {
	var names []string
	for _, n := range []struct {
		ms   uintptr
		name string
	}{
		{unix.MS_RDONLY, "ro"}, {unix.MS_NOSUID, "nosuid"}, {unix.MS_NODEV, "nodev"}, {unix.MS_NOEXEC, "noexec"},
		{unix.MS_NOATIME, "noatime"}, {unix.MS_NODIRATIME, "nodiratime"}, {unix.MS_RELATIME, "relatime"},
		{unix.MS_STRICTATIME, "strictatime"}, {unix.MS_NOSYMFOLLOW, "nosymfollow"},
	} {
		if f&n.ms != 0 {
			names = append(names, n.name)
		}
	}
	if len(names) == 0 {
		return fmt.Sprintf("%#x", f)
	}
	return strings.Join(names, ",")
}

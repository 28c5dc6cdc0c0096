package rootfs

import (
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"
)

// traceMount writes mount(2) to the trace as the man page spells it.
func traceMount(src, dst, typ string, flags uintptr, data string) {
	if ktrace.On() {
		ktrace.F("mount(%q, %q, %q, %s, %q)", src, dst, typ, ktrace.Names(uint64(flags), ktrace.MountFlags), data)
	}
}

// target is where a mount of e lands, as a host path: the rootfs is not
// the root yet (the mount itself goes through a handle opened under it).
func (s *setup) target(e *entry) string { return filepath.Join(s.c.Rootfs, e.dst) }

func traceSetattr(what string, recursive bool, a *unix.MountAttr) {
	if !ktrace.On() {
		return
	}
	flags := "AT_EMPTY_PATH"
	if recursive {
		flags += "|AT_RECURSIVE"
	}
	ktrace.F("mount_setattr(%s, \"\", %s, {attr_set=%s, attr_clr=%s})", what, flags,
		ktrace.Names(a.Attr_set, ktrace.MountAttrs), ktrace.Names(a.Attr_clr, ktrace.MountAttrs))
}

func traceMoveMount(what, dst string) {
	ktrace.F("move_mount(%s, \"\", AT_FDCWD, %q, MOVE_MOUNT_F_EMPTY_PATH)", what, dst)
}

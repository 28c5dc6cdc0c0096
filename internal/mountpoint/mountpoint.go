// Package mountpoint tells whether a directory is a mount point.
package mountpoint

import (
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Is tells whether dir is a mount point by the cheap test berth's own
// mounts allow: it is on another device than its parent. (A bind mount
// of a directory of the same filesystem would pass unseen; berth mounts
// overlays and tmpfs here, never such binds.)
func Is(dir string) bool {
	var a, b unix.Stat_t
	if unix.Lstat(dir, &a) != nil || unix.Lstat(filepath.Dir(dir), &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}

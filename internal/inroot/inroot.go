// Package inroot resolves paths inside a directory as if it were "/":
// openat2(RESOLVE_IN_ROOT) keeps every symlink and ".." inside it, so a
// container's own links cannot lead out of its root. The runtime mounts
// through it (runtime/rootfs) and the engine copies trees through it
// (engine/fsops).
package inroot

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// OpenDir opens dir as a root to resolve in: an O_PATH descriptor.
func OpenDir(dir string) (int, error) {
	return unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
}

// Rel cleans p lexically and makes it relative to the root, "." for the
// root itself.
func Rel(p string) string {
	rel := strings.TrimPrefix(filepath.Clean("/"+p), "/")
	if rel == "" {
		return "."
	}
	return rel
}

// maxRetries bounds the retries of one lookup: openat2 asks to be retried
// (EAGAIN) when a rename raced with ".." resolution, and a container that
// renames without pause must not keep its caller looping.
const maxRetries = 64

// Openat resolves p inside the root dirfd (root names it in errors) and
// opens it with flags; O_CLOEXEC is always added, magic links refused.
func Openat(dirfd int, root, p string, flags int) (int, error) {
	how := &unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC),
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	}
	rel := Rel(p)
	for range maxRetries {
		fd, err := unix.Openat2(dirfd, rel, how)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		return fd, err
	}
	return -1, fmt.Errorf("resolve %s in %s: %w", p, root, unix.EAGAIN)
}

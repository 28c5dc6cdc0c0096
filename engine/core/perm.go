package core

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/statedir"
)

// SecureRoots makes the data root and the run root, or sets their mode
// where they exist: root-only (statedir.Mode), whatever the umask, so no
// local user reaches a container's files, sockets, logs or state through
// them, nor runs a setuid binary or opens a device node of a container
// through the rootfs mounted under the run root. Older versions of berth
// made them 0711. A root that is a symlink gets the mode on its target;
// one that another user owns is refused.
func SecureRoots(root, runroot string) error {
	for _, dir := range []string{root, runroot} {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			dir = real
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("secure %s: %w", dir, err)
		}
		// A root someone else made (in /tmp, say) holds what they put
		// there: neither use it nor change its mode.
		var st unix.Stat_t
		if err := unix.Stat(dir, &st); err == nil && int(st.Uid) != os.Geteuid() {
			return fmt.Errorf("secure %s: owned by uid %d, not by this user: give a --root and --runroot of your own", dir, st.Uid)
		}
		if err := statedir.Ensure(dir, statedir.Mode); err != nil {
			return fmt.Errorf("secure %s: %w", dir, err)
		}
	}
	return nil
}

// makeStateDir makes <base>/containers/<id> root-only, and sets the mode
// of both where an older berth made them 0711 or 0710.
func makeStateDir(base, id string) error {
	for _, dir := range []string{filepath.Join(base, "containers"), filepath.Join(base, "containers", id)} {
		if err := statedir.Ensure(dir, statedir.Mode); err != nil {
			return fmt.Errorf("create container directory: %w", err)
		}
	}
	return nil
}

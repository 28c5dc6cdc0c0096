// Package userns answers whether this process runs in a user namespace
// other than the host's, and what follows for overlayfs: rootless berth
// runs its whole store in one (package rootless), where the kernel lets
// overlay keep its metadata only in user.overlay.* xattrs (the userxattr
// mount option, Linux 5.11), since trusted.* needs CAP_SYS_ADMIN on the
// host.
package userns

import (
	"os"
	"strings"
	"sync"
)

// Inside says whether this process is in a non-initial user namespace:
// the host's uid_map is the identity of all 2^32-1 ids.
var Inside = sync.OnceValue(func() bool {
	b, err := os.ReadFile("/proc/self/uid_map")
	return err == nil && isNested(string(b))
})

func isNested(uidMap string) bool {
	return strings.Join(strings.Fields(uidMap), " ") != "0 0 4294967295"
}

// OverlayPrefixes are both namespaces of overlay's xattrs. A layer may set
// neither (it could forge whiteouts, opaque dirs or redirects), and a diff
// of an upper dir reads them as overlay's, never as the files' own.
var OverlayPrefixes = []string{"trusted.overlay.", "user.overlay."}

// OverlayPrefix is where this process's overlay mounts keep metadata.
func OverlayPrefix() string {
	if Inside() {
		return "user.overlay."
	}
	return "trusted.overlay."
}

// IsOverlayXattr says whether name is overlay metadata in either place.
func IsOverlayXattr(name string) bool {
	for _, p := range OverlayPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

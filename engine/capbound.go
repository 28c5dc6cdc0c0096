package engine

import (
	"os"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/runtime/caps"
)

// boundedCaps keeps the capabilities berth itself may hand on (its
// bounding set, CapBnd of /proc/self/status): --privileged and --cap-add
// ALL ask for "all" the kernel knows, and a sandbox that lacks one (this
// machine lacks CAP_SYS_RESOURCE) would make every such container fail.
// Podman bounds --privileged the same way.
func boundedCaps(list []string) []string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return list
	}
	var bnd uint64
	found := false
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			bnd, err = strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			found = err == nil
		}
	}
	if !found {
		return list
	}
	var out []string
	for _, name := range list {
		n, ok := caps.Number(name)
		if !ok || n >= 64 || bnd&(1<<n) != 0 {
			out = append(out, name)
		}
	}
	return out
}

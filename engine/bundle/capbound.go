package bundle

import (
	"os"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/runtime/caps"
)

// capBound is berth's own bounding set, CapBnd of /proc/self/status, which
// --privileged and --cap-add ALL are kept within (specgen.Bounded); nil
// when it cannot be read.
func capBound() *caps.Set {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return nil
	}
	var bnd *caps.Set
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				bnd = nil
				continue
			}
			s := caps.Set(n)
			bnd = &s
		}
	}
	return bnd
}

package engine

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/runtime/cgroups"
)

// orAll is s, or every online CPU or node when s is empty: an empty
// cpuset would leave the container nowhere to run.
func orAll(s, onlineFile string) string {
	if s != "" {
		return s
	}
	data, err := os.ReadFile(onlineFile)
	if err != nil {
		return "0"
	}
	return strings.TrimSpace(string(data))
}

// blkioWeightSupported tells whether the kernel's I/O scheduler takes a
// cgroup weight (v1 blkio.weight, blkio.bfq.weight; v2 the io controller).
func blkioWeightSupported() bool {
	for _, f := range []string{"blkio/blkio.weight", "blkio/blkio.bfq.weight"} {
		if _, err := os.Stat(filepath.Join(cgroups.Root, f)); err == nil {
			return true
		}
	}
	data, _ := os.ReadFile(filepath.Join(cgroups.Root, "cgroup.subtree_control"))
	return strings.Contains(" "+strings.TrimSpace(string(data))+" ", " io ")
}

package engine

import (
	"fmt"

	"github.com/berth-containers/berth/engine/stats"
)

// TopResult is `top`'s table: ps's column titles and one row per process
// of the container.
type TopResult = stats.TopResult

// Top runs the host's ps with psArgs (Docker's default -ef) and keeps the
// lines of the container's processes, found in its cgroup.
func (e *Engine) Top(ref string, psArgs []string) (TopResult, error) {
	c, err := e.Get(ref)
	if err != nil {
		return TopResult{}, err
	}
	if !c.Running() {
		return TopResult{}, fmt.Errorf("container %s is not running", c.ID)
	}
	cg, err := e.c.CgroupOf(c)
	if err != nil {
		return TopResult{}, err
	}
	return stats.Top(cg, c.Name, psArgs)
}

package engine

import (
	"fmt"
	"os/exec"
	"path"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/ps"
)

// TopResult is `top`'s table: ps's column titles and one row per process
// of the container.
type TopResult struct {
	Titles    []string
	Processes [][]string
}

// cgroupOf finds a running container's cgroup: from the runtime's state,
// or, for a container another OCI runtime runs, from the cgroups path
// berth gave it in its bundle.
func (e *runtimeOps) cgroupOf(c *Container) (*cgroups.Manager, error) {
	if rc, err := e.loadRuntime(c); err == nil {
		return cgroups.Load(rc.CgroupPaths()), nil
	}
	return cgroups.New(cgroupsPath(c), c.ID)
}

// cgroupsPath is the container's linux.cgroupsPath, the one place it is
// spelled: the spec gives it to the runtime, and top, rm and an external
// runtime's pause find the cgroup by it when no runtime state is left.
// --cgroup-parent puts it under another cgroup, as dockerd's cgroupfs
// driver does (a relative parent is taken from the root too).
func cgroupsPath(c *Container) string {
	if p := c.HostConfig.CgroupParent; p != "" {
		return path.Join("/", p, c.ID)
	}
	return "/berth/" + c.ID
}

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
	cg, err := e.rt.cgroupOf(c)
	if err != nil {
		return TopResult{}, err
	}
	pids, err := cg.Pids()
	if err != nil {
		return TopResult{}, fmt.Errorf("processes of container %s: %w", c.Name, err)
	}
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	// As Docker 20.10: ps picks the container's pids itself (-q), so BSD
	// options such as `o pid,comm`, which list only this terminal's
	// processes, show them; options that cannot go with -q (f) retry
	// without it.
	q := make([]string, len(pids))
	for i, p := range pids {
		q[i] = strconv.Itoa(p)
	}
	out, err := exec.Command("ps", append(append([]string{}, psArgs...), "-q", strings.Join(q, ","))...).Output()
	if err != nil || len(pids) == 0 {
		out, err = exec.Command("ps", psArgs...).Output()
	}
	if err != nil {
		return TopResult{}, fmt.Errorf("ps %s failed: %w (give ps options it accepts)", strings.Join(psArgs, " "), err)
	}
	kept, err := ps.Filter(out, pids)
	if err != nil {
		return TopResult{}, err
	}
	return parsePS(string(kept)), nil
}

// parsePS splits ps output into columns: as many as the header has, the
// last one (the command) keeping its spaces.
func parsePS(out string) TopResult {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	r := TopResult{Titles: strings.Fields(lines[0])}
	n := len(r.Titles)
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) > n {
			f = append(f[:n-1], strings.Join(f[n-1:], " "))
		}
		r.Processes = append(r.Processes, f)
	}
	return r
}

package stats

import (
	"fmt"
	"os/exec"
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

// Top runs the host's ps with psArgs (Docker's default -ef) and keeps the
// lines of the processes in cg; name is the container's, for errors.
func Top(cg *cgroups.Manager, name string, psArgs []string) (TopResult, error) {
	pids, err := cg.Pids()
	if err != nil {
		return TopResult{}, fmt.Errorf("processes of container %s: %w", name, err)
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
	return table(out, pids)
}

// table keeps the lines of ps output whose PID is one of pids, and splits
// them into columns.
func table(out []byte, pids []int) (TopResult, error) {
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

// Package ps filters the host's ps output down to one container's
// processes, as `runc ps` and `docker top` do: the PID column is found by
// its header, so any ps options that print it work.
package ps

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Filter keeps, from the output of the host's ps, the header and the
// lines of the given pids, as `runc ps` does: the PID column is found by
// its header.
func Filter(out []byte, pids []int) ([]byte, error) {
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return nil, errors.New("ps printed nothing")
	}
	col := -1
	for i, h := range strings.Fields(lines[0]) {
		if h == "PID" {
			col = i
			break
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("ps output has no PID column (header %q): give ps options that print it, such as -ef", lines[0])
	}
	want := make(map[int]bool, len(pids))
	for _, p := range pids {
		want[p] = true
	}
	var b bytes.Buffer
	b.WriteString(lines[0] + "\n")
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) <= col {
			continue
		}
		if pid, err := strconv.Atoi(f[col]); err == nil && want[pid] {
			b.WriteString(l + "\n")
		}
	}
	return b.Bytes(), nil
}

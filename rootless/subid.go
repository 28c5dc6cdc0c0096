package rootless

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Range is one line of /etc/subuid or /etc/subgid: Count ids from Start.
type Range struct {
	Start, Count uint32
}

// parseSubID returns the ranges that file grants the user, named by login
// name or by numeric id, as shadow's newuidmap reads them.
func parseSubID(r io.Reader, name string, id int) ([]Range, error) {
	var out []Range
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ":")
		if len(f) != 3 || (f[0] != name && f[0] != strconv.Itoa(id)) {
			continue
		}
		start, err1 := strconv.ParseUint(f[1], 10, 32)
		count, err2 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil || count == 0 || start+count > 1<<32-1 {
			return nil, fmt.Errorf("bad line %q", line)
		}
		out = append(out, Range{uint32(start), uint32(count)})
	}
	return out, sc.Err()
}

// subIDs reads the user's ranges from file (/etc/subuid or /etc/subgid).
func subIDs(file, name string, id int) ([]Range, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("rootless berth: %w (ask the administrator for subordinate ids: usermod --add-subuids and --add-subgids)", err)
	}
	defer f.Close()
	r, err := parseSubID(f, name, id)
	if err != nil {
		return nil, fmt.Errorf("rootless berth: %s: %w", file, err)
	}
	if len(r) == 0 {
		return nil, fmt.Errorf("rootless berth: %s has no range for %s: ask the administrator to add one (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s)", file, name, name)
	}
	return r, nil
}

// mapArgs is newuidmap's (or newgidmap's) map after the pid: the user's
// own id as 0, then each range in order from 1 on, as podman maps them.
func mapArgs(own int, ranges []Range) []string {
	args := []string{"0", strconv.Itoa(own), "1"}
	next := uint64(1)
	for _, r := range ranges {
		args = append(args, strconv.FormatUint(next, 10), strconv.FormatUint(uint64(r.Start), 10), strconv.FormatUint(uint64(r.Count), 10))
		next += uint64(r.Count)
	}
	return args
}

package options

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// maxCpusetID bounds a cpuset list's members: the kernel's NR_CPUS is at
// most 8192, and a range like 0-999999999 must not become a billion-entry
// map before the host check refuses it.
const maxCpusetID = 8191

// ParseCpuset reads a cpuset list such as "0-2,4" into its members.
func ParseCpuset(s string) (map[int]bool, bool) {
	out := map[int]bool{}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, false
			}
		}
		if b > maxCpusetID {
			return nil, false
		}
		for i := a; i <= b; i++ {
			out[i] = true
		}
	}
	return out, true
}

// CheckCpuset checks --cpuset-cpus or --cpuset-mems against what the host
// has online, with Docker's wording. Empty means all of them.
func CheckCpuset(s, onlineFile, what string) error {
	if s == "" {
		return nil
	}
	want, ok := ParseCpuset(s)
	if !ok {
		return fmt.Errorf("invalid value %s for cpuset %s", s, what)
	}
	data, err := os.ReadFile(onlineFile)
	if err != nil {
		return nil // the kernel says when it writes the cgroup
	}
	online := strings.TrimSpace(string(data))
	have, _ := ParseCpuset(online)
	for n := range want {
		if !have[n] {
			name := "CPUs"
			if what == "mems" {
				name = "memory nodes"
			}
			return fmt.Errorf("requested %s are not available - requested %s, available: %s", name, s, online)
		}
	}
	return nil
}

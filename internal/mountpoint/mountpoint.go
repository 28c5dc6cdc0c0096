// Package mountpoint answers what is mounted where: whether a directory is
// a mount point, and what is mounted at or below one (from mountinfo).
package mountpoint

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Is tells whether dir is a mount point by the cheap test berth's own
// mounts allow: it is on another device than its parent. (A bind mount
// of a directory of the same filesystem would pass unseen; berth mounts
// overlays and tmpfs here, never such binds.)
func Is(dir string) bool {
	var a, b unix.Stat_t
	if unix.Lstat(dir, &a) != nil || unix.Lstat(filepath.Dir(dir), &b) != nil {
		return false
	}
	return a.Dev != b.Dev
}

// All lists the mount points of this process's mount namespace, from
// /proc/self/mountinfo (its fifth field, unescaped).
func All() (map[string]bool, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	points := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 {
			points[unescape(fields[4])] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	return points, nil
}

// Under lists the mount points at or below dir, sorted.
func Under(dir string) ([]string, error) {
	points, err := All()
	if err != nil {
		return nil, err
	}
	var under []string
	for p := range points {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			under = append(under, p)
		}
	}
	sort.Strings(under)
	return under, nil
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FullProcSys lists, in mountinfo's order, the mount points of this mount
// namespace where a whole procfs or sysfs is mounted (the root of the
// filesystem, not a part of it bound elsewhere).
func FullProcSys() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var points []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		// id parent dev root point options [optional...] - type source super
		fields := strings.Fields(sc.Text())
		for i := 6; i+1 < len(fields); i++ {
			if fields[i] != "-" {
				continue
			}
			if fields[3] == "/" && (fields[i+1] == "proc" || fields[i+1] == "sysfs") {
				points = append(points, unescape(fields[4]))
			}
			break
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	return points, nil
}

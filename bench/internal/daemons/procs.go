package daemons

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/mountpoint"
)

// Descendants lists the live processes below this one (not zombies).
func Descendants() map[int]bool {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ppid, ok := stat(pid); ok && st != "Z" {
			parent[pid] = ppid
		}
	}
	self := os.Getpid()
	out := map[int]bool{}
	for pid := range parent {
		for p, n := parent[pid], 0; p > 1 && n < 64; p, n = parent[p], n+1 {
			if p == self {
				out[pid] = true
				break
			}
		}
	}
	return out
}

// stat reads a process's state and parent from /proc/PID/stat.
func stat(pid int) (state string, ppid int, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", 0, false
	}
	// pid (comm) state ppid ...: comm may hold spaces and parens.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 2 {
		return "", 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return f[0], ppid, err == nil
}

// ReapOrphans collects exited children that no exec.Cmd waits for: the
// shims and monitors handed to this process as child subreaper. keep
// names children whose waiter must get their status (the daemons).
func ReapOrphans(keep ...*Daemon) {
	mine := map[int]bool{}
	for _, d := range keep {
		if d != nil && d.cmd != nil && d.cmd.Process != nil {
			mine[d.Pid()] = true
		}
	}
	self := os.Getpid()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || mine[pid] {
			continue
		}
		if st, ppid, ok := stat(pid); ok && st == "Z" && ppid == self {
			var ws unix.WaitStatus
			unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		}
	}
}

// Cmdline is pid's command line, its arguments joined by spaces.
func Cmdline(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	return string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))
}

// killStrays SIGKILLs this process's descendants whose command line names
// dir: a daemon's shims or conmon that outlived it.
func killStrays(dir string) error {
	var errs []error
	for pid := range Descendants() {
		if strings.Contains(Cmdline(pid), dir) {
			if err := unix.Kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("kill leftover process %d: %w", pid, err))
			}
		}
	}
	ReapOrphans()
	return errors.Join(errs...)
}

// unmountUnder detaches every mount at or below dir, deepest first.
func unmountUnder(dir string) error {
	points, err := mountpoint.Under(dir)
	if err != nil {
		return err
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	var errs []error
	for _, p := range points {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
			errs = append(errs, fmt.Errorf("unmount %s: %w", p, err))
		}
	}
	return errors.Join(errs...)
}

// hierarchies are the cgroup hierarchies' mount points: each v1
// controller and the unified one on a hybrid host, the root on pure v2.
func hierarchies() []string {
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		return []string{"/sys/fs/cgroup"}
	}
	var out []string
	ents, _ := os.ReadDir("/sys/fs/cgroup")
	for _, e := range ents {
		p := filepath.Join("/sys/fs/cgroup", e.Name())
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() && mountpoint.Is(p) {
			out = append(out, p)
		}
	}
	return out
}

// absentCgroups is, for each top-level cgroup name, its dir in every
// hierarchy where it does not exist yet.
func absentCgroups(names []string) []string {
	var out []string
	for _, h := range hierarchies() {
		for _, n := range names {
			out = append(out, filepath.Join(h, n))
		}
	}
	return absent(out)
}

// removeCgroups removes the cgroup dirs (and the empty ones below), deepest first.
func removeCgroups(tops []string) error {
	var dirs []string
	for _, top := range tops {
		filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	sort.Slice(dirs, func(i, j int) bool { return len(dirs[i]) > len(dirs[j]) })
	var errs []error
	for _, d := range dirs {
		if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

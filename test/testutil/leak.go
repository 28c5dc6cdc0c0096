package testutil

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/mountpoint"
)

// Resources is a snapshot of the host resources tests may leak.
type Resources struct {
	Mounts     map[string]bool // mount points
	NetNS      map[string]bool // names under /run/netns
	Interfaces map[string]bool // links in the host network namespace
	// CgroupParents are the engine's parent cgroups (one per hierarchy).
	CgroupParents map[string]bool
}

// Snapshot records the host's mounts, named network namespaces, links and
// the engine's parent cgroups.
func Snapshot() (*Resources, error) {
	mounts, err := mountPoints()
	if err != nil {
		return nil, err
	}
	netns, err := dirNames("/run/netns")
	if err != nil {
		return nil, err
	}
	links, err := dirNames("/sys/class/net")
	if err != nil {
		return nil, err
	}
	parents, err := engineCgroupParents()
	if err != nil {
		return nil, err
	}
	return &Resources{Mounts: mounts, NetNS: netns, Interfaces: links, CgroupParents: parents}, nil
}

// EngineCgroupParent is the cgroup the engine puts containers under
// (/berth/<id>), as Docker uses /docker.
const EngineCgroupParent = "berth"

// engineCgroupParents lists the engine's parent cgroup in every hierarchy
// where it exists.
func engineCgroupParents() (map[string]bool, error) {
	roots, err := cgroupRoots()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, r := range roots {
		p := filepath.Join(r, EngineCgroupParent)
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			out[p] = true
		}
	}
	return out, nil
}

// ownMount says whether a new mount could be this suite's: under its dir, or
// naming berth anywhere but under another suite's dir (another test binary
// running at the same time on the same host is not our leak).
func ownMount(m, suiteDir string) bool {
	if suiteDir != "" && (m == suiteDir || strings.HasPrefix(m, suiteDir+"/")) {
		return true
	}
	if strings.HasPrefix(m, "/tmp/berthtest-suite-") {
		return false
	}
	return strings.Contains(m, "berth")
}

// LeakCheck compares the host with before and lists what the tests left:
// new mounts under the suite dir or naming berth, cgroup dirs named after a
// container ID from NewID, new network namespaces and links, and live
// descendant processes (which it then kills, since this process started
// them). Mounts and links are compared with the snapshot, so resources that
// other programs create meanwhile are not blamed on the tests unless they
// look like ours.
func LeakCheck(before *Resources) ([]string, error) {
	after, err := Snapshot()
	if err != nil {
		return nil, err
	}
	var leaks []string
	dir, _ := SuiteDir()
	for m := range after.Mounts {
		if !before.Mounts[m] && ownMount(m, dir) {
			leaks = append(leaks, "mount "+m)
		}
	}
	for n := range after.NetNS {
		if !before.NetNS[n] {
			leaks = append(leaks, "network namespace /run/netns/"+n)
		}
	}
	for l := range after.Interfaces {
		if !before.Interfaces[l] {
			leaks = append(leaks, "network interface "+l)
		}
	}
	cgroups, err := CgroupDirs(CreatedIDs()...)
	if err != nil {
		return nil, err
	}
	for _, c := range cgroups {
		leaks = append(leaks, "cgroup "+c)
	}
	// The engine's parent cgroup stays after its last container, as Docker's
	// does; one the suite made goes with it. If it still holds cgroups,
	// containers leaked.
	for p := range after.CgroupParents {
		if !before.CgroupParents[p] {
			if err := os.Remove(p); err != nil {
				leaks = append(leaks, fmt.Sprintf("cgroup %s (%v)", p, err))
			}
		}
	}
	procs, err := descendants(os.Getpid())
	if err != nil {
		return nil, err
	}
	for _, p := range procs {
		leaks = append(leaks, fmt.Sprintf("process %d (%s)", p, procComm(p)))
		_ = unix.Kill(p, unix.SIGKILL)
	}
	reapZombies()
	return leaks, nil
}

func mountPoints() (map[string]bool, error) { return mountpoint.All() }

// MountedUnder lists the current mount points at or below dir.
func MountedUnder(dir string) ([]string, error) { return mountpoint.Under(dir) }

func dirNames(dir string) (map[string]bool, error) {
	names := map[string]bool{}
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names, nil
}

// CgroupDirs lists the dirs under every hierarchy in /sys/fs/cgroup whose
// name contains one of ids.
func CgroupDirs(ids ...string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	roots, err := cgroupRoots()
	if err != nil {
		return nil, err
	}
	var found []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				// A cgroup removed while we walk is not an error.
				if os.IsNotExist(err) {
					return nil
				}
				return err
			}
			if !d.IsDir() {
				return nil
			}
			for _, id := range ids {
				if strings.Contains(d.Name(), id) {
					found = append(found, path)
					return fs.SkipDir
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("scan cgroups: %w", err)
		}
	}
	return found, nil
}

// cgroupRoots lists the cgroup hierarchies: /sys/fs/cgroup itself on a pure
// v2 host, else its subdirs that are cgroup or cgroup2 mounts. Plain dirs are
// skipped: crun, run with /sys/fs/cgroup/unified unmounted, writes there.
func cgroupRoots() ([]string, error) {
	const base = "/sys/fs/cgroup"
	if isCgroupFS(base) {
		return []string{base}, nil
	}
	entries, err := os.ReadDir(base)
	if err != nil {
		return nil, fmt.Errorf("list cgroup hierarchies: %w", err)
	}
	var roots []string
	for _, e := range entries {
		if p := filepath.Join(base, e.Name()); e.IsDir() && isCgroupFS(p) {
			roots = append(roots, p)
		}
	}
	return roots, nil
}

func isCgroupFS(path string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return false
	}
	return st.Type == unix.CGROUP_SUPER_MAGIC || st.Type == unix.CGROUP2_SUPER_MAGIC
}

// descendants lists the live (non-zombie) processes below pid.
func descendants(pid int) ([]int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	children := map[int][]int{}
	state := map[int]string{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ppid, st, ok := procStat(p)
		if ok {
			children[ppid] = append(children[ppid], p)
			state[p] = st
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			if state[c] != "Z" {
				out = append(out, c)
			}
			queue = append(queue, c)
		}
	}
	return out, nil
}

// procStat reads the parent and state of pid from /proc/<pid>/stat.
func procStat(pid int) (ppid int, state string, ok bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", false
	}
	// The command name may hold spaces and parens: parse after the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, "", false
	}
	fields := strings.Fields(s[i+1:])
	if len(fields) < 2 {
		return 0, "", false
	}
	ppid, err = strconv.Atoi(fields[1])
	return ppid, fields[0], err == nil
}

func procComm(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

// ChildProcesses lists the live descendants of this process.
func ChildProcesses() ([]int, error) { return descendants(os.Getpid()) }

// reapZombies waits for exited children that were reparented to us as
// subreaper; nobody else will.
func reapZombies() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// ProcessEnded says whether pid has exited: gone, or a zombie its parent
// has not reaped yet (kill(pid, 0) still succeeds on a zombie, so tests that
// wait for a death ask this instead).
func ProcessEnded(pid int) bool {
	_, state, ok := procStat(pid)
	return !ok || state == "Z" || state == "X"
}

// ParentOf is pid's parent process, or 0 when pid is gone.
func ParentOf(pid int) int {
	ppid, _, _ := procStat(pid)
	return ppid
}

// HasOpen says whether process pid holds path open.
func HasOpen(pid int, path string) bool {
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return false
	}
	for _, fd := range fds {
		if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name())); err == nil && target == path {
			return true
		}
	}
	return false
}

// Package cgroups places a container's processes in a cgroup on whatever
// layout the host has: cgroup v1 (one hierarchy per controller), v2 (one
// unified hierarchy), or hybrid (v1 controllers plus a cgroup2 mount, as
// systemd sets up). It is written against the kernel's files directly.
package cgroups

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"

	"github.com/berth-containers/berth/internal/kfile"
)

// Root is where cgroup filesystems are mounted.
const Root = "/sys/fs/cgroup"

// Layout says how the host's cgroup filesystems are arranged.
type Layout int

const (
	LayoutV1 Layout = iota + 1
	LayoutHybrid
	LayoutV2
)

func (l Layout) String() string {
	switch l {
	case LayoutV1:
		return "v1"
	case LayoutHybrid:
		return "hybrid"
	case LayoutV2:
		return "v2"
	}
	return "unknown"
}

// Unified is the key of the cgroup2 hierarchy in a Manager's paths.
const Unified = ""

// DetectLayout looks at what is mounted at Root.
func DetectLayout() (Layout, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(Root, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", Root, err)
	}
	if st.Type == unix.CGROUP2_SUPER_MAGIC {
		return LayoutV2, nil
	}
	if err := unix.Statfs(filepath.Join(Root, "unified"), &st); err == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return LayoutHybrid, nil
	}
	return LayoutV1, nil
}

// Manager owns one container's cgroup: a directory per hierarchy.
type Manager struct {
	// paths maps a v1 hierarchy's controllers ("cpu", "name=systemd", "cpu,cpuacct")
	// or Unified to the absolute directory of the container's cgroup in it.
	paths map[string]string
	drv   []driver // built from paths on first use
}

// New resolves cgroupsPath (absolute, or relative to the caller's own
// cgroup, as runc reads linux.cgroupsPath) on every mounted hierarchy.
// An empty path means /<id>, or <delegation>/berth-<id> for a rootless
// caller with a delegated subtree (defaultPath). Nothing is created until
// Apply.
func New(cgroupsPath, id string) (*Manager, error) {
	if cgroupsPath == "" {
		cgroupsPath = defaultPath(id)
	}
	if strings.Contains(cgroupsPath, "..") {
		return nil, fmt.Errorf("linux.cgroupsPath %q: must not contain \"..\"", cgroupsPath)
	}
	mounts, err := hierarchies()
	if err != nil {
		return nil, err
	}
	own, err := ownCgroups()
	if err != nil {
		return nil, err
	}
	m := &Manager{paths: make(map[string]string, len(mounts))}
	for key, mnt := range mounts {
		p := cgroupsPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(own[key], p)
		}
		m.paths[key] = filepath.Join(mnt, filepath.Clean("/"+p))
	}
	return m, nil
}

// Load rebuilds a Manager from the paths a container's state recorded.
func Load(paths map[string]string) *Manager {
	return &Manager{paths: paths}
}

// Paths returns the directory of the cgroup in each hierarchy.
func (m *Manager) Paths() map[string]string {
	out := make(map[string]string, len(m.paths))
	for k, v := range m.paths {
		out[k] = v
	}
	return out
}

// Path returns the cgroup's directory for a controller ("memory", "pids",
// Unified), or "" when no mounted hierarchy has it.
func (m *Manager) Path(controller string) string {
	if p, ok := m.paths[controller]; ok {
		return p
	}
	for key, p := range m.paths {
		for _, c := range strings.Split(key, ",") {
			if c == controller {
				return p
			}
		}
	}
	return ""
}

// MemoryDir is the cgroup's directory for the memory controller, and
// whether it is cgroup v2's (memory.events) rather than v1's.
func (m *Manager) MemoryDir() (dir string, v2 bool, err error) {
	switch d := m.driverFor(ctrlMemory).(type) {
	case *v1Driver:
		return d.dirs[ctrlMemory], false, nil
	case *v2Driver:
		return d.dir, true, nil
	}
	return "", false, errors.New("this host has no memory cgroup controller")
}

// Create makes the cgroup's directory in every hierarchy. On a pure v2
// host the controllers are delegated down to it first.
func (m *Manager) Create() error {
	if dir, ok := m.paths[Unified]; ok && len(m.paths) == 1 {
		if err := enableControllers(dir); err != nil {
			return err
		}
	}
	for key, dir := range m.paths {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create cgroup: %w", err)
		}
		if strings.Contains(key, "cpuset") {
			if err := inheritCpuset(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// Apply creates the cgroup in every hierarchy and moves pid into it.
//
// Moving another process takes the kernel's global threadgroup lock, whose
// writer waits for an RCU grace period (about 10 ms here) unless another
// move happened just before. A new container's process avoids that: see
// SelfJoinFiles and OpenUnified.
func (m *Manager) Apply(pid int) error {
	if err := m.Create(); err != nil {
		return err
	}
	spid := []byte(strconv.Itoa(pid))
	for _, dir := range m.paths {
		if err := writeFile(dir, "cgroup.procs", spid); err != nil {
			return fmt.Errorf("add pid %d to cgroup: %w", pid, err)
		}
	}
	return nil
}

// SelfJoinFiles lists, for each v1 hierarchy, the file a single-threaded
// process writes "0" to in order to move itself in. The kernel moves the
// calling thread without the global lock then, so it costs microseconds.
// A process exec'd into a running container joins them all this way.
func (m *Manager) SelfJoinFiles() []string { return m.selfJoinFiles(false) }

// InitJoinFiles is SelfJoinFiles without memory's, for a container's init:
// it joins memory last, see MemoryJoinFile.
func (m *Manager) InitJoinFiles() []string { return m.selfJoinFiles(true) }

func (m *Manager) selfJoinFiles(skipMemory bool) []string {
	var files []string
	for key, dir := range m.paths {
		if key != Unified && (!skipMemory || key != ctrlMemory) {
			files = append(files, filepath.Join(dir, "tasks"))
		}
	}
	return files
}

// MemoryJoinFile is the v1 memory hierarchy's tasks file, or "" when memory
// is not a v1 hierarchy of its own. The thread that calls execve writes "0"
// to it just before: after execve the process is that one thread, all in
// the cgroup, while the pages the Go init touched stay charged to the
// runtime's cgroup. So a container with a 1 MiB limit still starts.
func (m *Manager) MemoryJoinFile() string {
	if dir, ok := m.paths[ctrlMemory]; ok {
		return filepath.Join(dir, "tasks")
	}
	return ""
}

// SplitUntilReady splits r into what is written when the cgroup is made
// and what waits until the container's init is set up, because the
// runtime's own processes would be held to it while they build the
// container:
//   - pids.max, on v1 and v2: nsenter's intermediate process and every
//     thread of a Go init are tasks the pids controller counts, so a small
//     limit (5) could stop the set-up itself;
//   - memory.max and memory.swap.max on v2, where the init starts inside
//     the container's cgroup (CLONE_INTO_CGROUP) and a small limit would
//     charge the set-up. On v1 the init joins the memory cgroup late
//     instead (see MemoryJoinFile).
//
// create writes the rest once the init is ready, before it returns: the
// init is then one C thread waiting for start (or a Go init parked on the
// exec fifo, whose threads are all started), and nothing of the
// container's program has run, so the limits hold from its first
// instruction.
func (m *Manager) SplitUntilReady(r *specs.LinuxResources) (now, later *specs.LinuxResources) {
	if r == nil {
		return r, nil
	}
	nowR, laterR := *r, specs.LinuxResources{}
	deferred := false
	if r.Pids != nil {
		nowR.Pids, laterR.Pids, deferred = nil, r.Pids, true
	}
	if r.Memory != nil && (r.Memory.Limit != nil || r.Memory.Swap != nil) {
		if _, isV2 := m.driverFor(ctrlMemory).(*v2Driver); isV2 {
			nowMem := *r.Memory
			nowMem.Limit, nowMem.Swap = nil, nil
			nowR.Memory = &nowMem
			laterR.Memory = &specs.LinuxMemory{Limit: r.Memory.Limit, Swap: r.Memory.Swap}
			deferred = true
		}
	}
	if !deferred {
		return r, nil
	}
	return &nowR, &laterR
}

// OpenUnified opens the cgroup2 directory for clone3's CLONE_INTO_CGROUP,
// which starts a process inside it with no migration at all. It returns nil
// when the host has no cgroup2 hierarchy.
func (m *Manager) OpenUnified() (*os.File, error) {
	dir, ok := m.paths[Unified]
	if !ok {
		return nil, nil
	}
	f, err := os.OpenFile(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	return f, nil
}

// ErrNoHierarchy is Pids on a container with no cgroup at all: a rootless
// one on a host that delegates none.
var ErrNoHierarchy = errors.New("no cgroup hierarchy to list processes from")

// Pids lists the processes in the cgroup.
func (m *Manager) Pids() ([]int, error) {
	dir := m.pidsDir()
	if dir == "" {
		return nil, ErrNoHierarchy
	}
	pids, err := readProcs(dir)
	if err != nil {
		return nil, fmt.Errorf("list cgroup processes: %w", err)
	}
	return pids, nil
}

// readProcs reads the processes of one cgroup directory.
func readProcs(dir string) ([]int, error) {
	f, err := os.Open(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var pids []int
	s := bufio.NewScanner(f)
	for s.Scan() {
		pid, err := strconv.Atoi(s.Text())
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", f.Name(), err)
		}
		pids = append(pids, pid)
	}
	return pids, s.Err()
}

// pidsDir prefers a hierarchy that every container process is in.
func (m *Manager) pidsDir() string {
	for _, c := range []string{Unified, "freezer", "pids", "memory", "cpu"} {
		if p := m.Path(c); p != "" {
			return p
		}
	}
	for _, p := range m.paths {
		return p
	}
	return ""
}

// Destroy removes the cgroup, and those the container made below it, from
// every hierarchy. The kernel refuses to remove a cgroup while it still
// counts exiting tasks, so EBUSY is retried for a while.
func (m *Manager) Destroy() error {
	var errs []error
	for _, dir := range m.paths {
		if err := removeTree(dir); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func removeDir(dir string) error {
	delay := time.Millisecond
	for i := 0; ; i++ {
		err := unix.Rmdir(dir)
		if err == nil || errors.Is(err, unix.ENOENT) {
			return nil
		}
		if !errors.Is(err, unix.EBUSY) || i == 12 {
			return fmt.Errorf("remove cgroup %s: %w", dir, err)
		}
		time.Sleep(delay)
		if delay < 100*time.Millisecond {
			delay *= 2
		}
	}
}

// inheritCpuset fills an empty v1 cpuset (the kernel creates them with no
// CPUs or memory nodes, and refuses tasks then) from its nearest parent.
func inheritCpuset(dir string) error {
	for _, file := range []string{"cpuset.cpus", "cpuset.mems"} {
		cur, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			return fmt.Errorf("read cgroup cpuset: %w", err)
		}
		if len(strings.TrimSpace(string(cur))) > 0 {
			continue
		}
		parent := filepath.Dir(dir)
		if err := inheritCpuset(parent); err != nil {
			return err
		}
		val, err := os.ReadFile(filepath.Join(parent, file))
		if err != nil {
			return fmt.Errorf("read cgroup cpuset: %w", err)
		}
		if err := writeFile(dir, file, val); err != nil {
			return err
		}
	}
	return nil
}

func writeFile(dir, name string, data []byte) error {
	p := filepath.Join(dir, name)
	if err := kfile.Write(p, data); err != nil {
		return err
	}
	if ktrace.On() {
		ktrace.F("write(%s <- %s)", p, bytes.TrimRight(data, "\n"))
	}
	return nil
}

// OwnMemoryTasksFile is the tasks file of the caller's own v1 memory
// cgroup: where a child that joined the container's memory cgroup (to root
// a new cgroup namespace there) goes back to until its exec.
func OwnMemoryTasksFile() (string, error) {
	mounts, err := hierarchies()
	if err != nil {
		return "", err
	}
	own, err := ownCgroups()
	if err != nil {
		return "", err
	}
	mnt, ok := mounts[ctrlMemory]
	if !ok {
		return "", errors.New("no v1 memory hierarchy is mounted")
	}
	return filepath.Join(mnt, filepath.Clean("/"+own[ctrlMemory]), "tasks"), nil
}

package rootfs

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/runtime/maskpaths"
	"github.com/berth-containers/berth/runtime/mountopt"
	"golang.org/x/sys/unix"
)

const hostCgroupRoot = "/sys/fs/cgroup"

// mountCgroup mounts a "cgroup" spec mount as runc does: cgroup2 on a
// unified host, otherwise a tmpfs holding one entry per v1 hierarchy.
func (s *setup) mountCgroup(e *entry) error {
	var sf unix.Statfs_t
	if err := unix.Statfs(hostCgroupRoot, &sf); err != nil {
		return e.errorf("mount cgroup", fmt.Errorf("statfs %s: %w", hostCgroupRoot, err))
	}
	if sf.Type == unix.CGROUP2_SUPER_MAGIC {
		return s.mountCgroup2(e)
	}
	return s.mountCgroup1(e)
}

// mountCgroup2 mounts cgroup2; when that is refused (a user namespace
// without a cgroup namespace) it binds the host's hierarchy instead.
func (s *setup) mountCgroup2(e *entry) error {
	c := *e
	c.typ = "cgroup2"
	err := s.mountFS(&c)
	if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EBUSY) {
		return err
	}
	b := *e
	b.typ, b.src = "bind", hostCgroupRoot
	if s.cgroupns {
		hs, err := ownCgroups(s.c.Pid)
		if err != nil {
			return e.errorf("mount cgroup", err)
		}
		for _, h := range hs {
			if h.controllers == "" {
				b.src = filepath.Join(hostCgroupRoot, h.path)
			}
		}
	}
	b.opts.Flags |= unix.MS_BIND | unix.MS_REC
	return s.mountBind(&b)
}

// mountCgroup1 puts a tmpfs on the destination and, in it, one directory
// per v1 hierarchy: a bind of the container's own cgroup or, with a cgroup
// namespace, a fresh mount of the hierarchy. Co-mounted controllers
// ("cpu,cpuacct") also get a symlink per controller.
func (s *setup) mountCgroup1(e *entry) error {
	tmpfs := &entry{idx: e.idx, typ: "tmpfs", src: "tmpfs", dst: e.dst, opts: mountopt.Options{
		Flags:       unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC,
		Data:        "mode=755",
		Propagation: e.opts.Propagation,
	}}
	if err := s.mountFS(tmpfs); err != nil {
		return err
	}
	hs, err := v1Hierarchies(s.c.Pid, s.c.MemoryCgroup)
	if err != nil {
		return e.errorf("mount cgroup", err)
	}
	for _, h := range hs {
		if err := s.mountHierarchy(e, h); err != nil {
			return err
		}
	}
	if err := s.cgroupLinks(e, hs); err != nil {
		return err
	}
	if e.opts.Flags&unix.MS_RDONLY == 0 {
		return nil
	}
	if err := maskpaths.RemountReadonly(s.root, e.dst); err != nil {
		return fmt.Errorf("mount cgroup on %s (mounts[%d]): %w", e.dst, e.idx, err)
	}
	return nil
}

func (s *setup) mountHierarchy(e *entry, h hierarchy) error {
	sub := &entry{idx: e.idx, dst: filepath.Join(e.dst, h.name), opts: e.opts}
	sub.opts.Propagation = nil
	if s.cgroupns {
		sub.typ, sub.src, sub.opts.Data = "cgroup", "cgroup", h.controllers
		return s.mountFS(sub)
	}
	sub.typ, sub.src = "bind", h.source
	sub.opts.Flags |= unix.MS_BIND | unix.MS_REC
	return s.mountBind(sub)
}

func (s *setup) cgroupLinks(e *entry, hs []hierarchy) error {
	dir, err := s.root.open(e.dst, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return e.errorf("open cgroup tmpfs", err)
	}
	defer unix.Close(dir)
	for _, h := range hs {
		if !strings.Contains(h.name, ",") {
			continue
		}
		for _, c := range strings.Split(h.name, ",") {
			if err := unix.Symlinkat(h.name, dir, c); err != nil && !errors.Is(err, unix.EEXIST) {
				return e.errorf("symlink cgroup "+c, err)
			}
		}
	}
	return nil
}

// hierarchy is one cgroup v1 hierarchy the init process belongs to.
type hierarchy struct {
	controllers string // as in /proc/self/cgroup: "cpu,cpuacct", "name=systemd"
	path        string // the process's cgroup in it
	name        string // directory name under /sys/fs/cgroup (host's)
	source      string // host directory of the process's cgroup
}

// ownCgroups reads the init's /proc/PID/cgroup (pid 0: the caller's).
func ownCgroups(pid int) ([]hierarchy, error) {
	path := "/proc/self/cgroup"
	if pid > 0 {
		path = "/proc/" + strconv.Itoa(pid) + "/cgroup"
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the init's cgroups: %w", err)
	}
	var hs []hierarchy
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			return nil, fmt.Errorf("parse %s line %q", path, line)
		}
		hs = append(hs, hierarchy{controllers: parts[1], path: parts[2]})
	}
	return hs, nil
}

// v1Hierarchies finds where the host mounts each v1 hierarchy of the
// init's cgroups. It is the only reader of mountinfo in this package, and
// only runs on v1 and hybrid hosts. memory, if set, is the container's
// memory cgroup directory, for an init not in it yet.
func v1Hierarchies(pid int, memory string) ([]hierarchy, error) {
	own, err := ownCgroups(pid)
	if err != nil {
		return nil, err
	}
	mounts, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	var hs []hierarchy
	for _, h := range own {
		if h.controllers == "" {
			continue // the unified hierarchy of a hybrid host
		}
		m, ok := findCgroupMount(mounts, h.controllers)
		if !ok {
			return nil, fmt.Errorf("no mount of cgroup hierarchy %s", h.controllers)
		}
		rel, err := filepath.Rel(m.root, h.path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			return nil, fmt.Errorf("cgroup %s of %s is outside its mount %s (root %s)", h.path, h.controllers, m.point, m.root)
		}
		h.name = filepath.Base(m.point)
		h.source = filepath.Join(m.point, rel)
		if memory != "" && slices.Contains(strings.Split(h.controllers, ","), "memory") {
			h.source = memory
		}
		hs = append(hs, h)
	}
	return hs, nil
}

type cgroupMount struct {
	root, point string
	opts        map[string]bool
}

// cgroupMounts lists the v1 cgroup mounts of the calling thread's mount
// namespace.
func cgroupMounts() ([]cgroupMount, error) {
	f, err := os.Open("/proc/thread-self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	defer f.Close()
	var ms []cgroupMount
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		if !ok || !strings.HasPrefix(post, "cgroup ") {
			continue
		}
		fields, super := strings.Fields(pre), strings.Fields(post)
		if len(fields) < 5 || len(super) < 3 {
			return nil, fmt.Errorf("parse mountinfo line %q", sc.Text())
		}
		m := cgroupMount{root: unescape(fields[3]), point: unescape(fields[4]), opts: map[string]bool{}}
		for _, o := range strings.Split(super[2], ",") {
			m.opts[o] = true
		}
		ms = append(ms, m)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mountinfo: %w", err)
	}
	return ms, nil
}

// findCgroupMount picks the mount of the hierarchy, preferring the one
// under /sys/fs/cgroup when the host mounts it more than once.
func findCgroupMount(ms []cgroupMount, controllers string) (cgroupMount, bool) {
	var found cgroupMount
	ok := false
	for _, m := range ms {
		if !hasAll(m.opts, strings.Split(controllers, ",")) {
			continue
		}
		if filepath.Dir(m.point) == hostCgroupRoot {
			return m, true
		}
		if !ok {
			found, ok = m, true
		}
	}
	return found, ok
}

func hasAll(set map[string]bool, keys []string) bool {
	for _, k := range keys {
		if !set[k] {
			return false
		}
	}
	return true
}

// unescape undoes mountinfo's octal escapes (\040 for a space).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

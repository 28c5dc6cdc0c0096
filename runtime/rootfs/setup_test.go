package rootfs

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/berth-containers/berth/runtime/devnode"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const cgroupSuperMagic = 0x27e0eb // cgroup v1

func init() {
	scenarios["default"] = scenario{prepare: hostMarker, child: childDefault}
	scenarios["nopivot"] = scenario{prepare: hostMarker, child: childNoPivot}
	scenarios["readonly-root"] = scenario{child: childReadonlyRoot}
	scenarios["shared-root"] = scenario{prepare: hostMarker, child: childSharedRoot}
}

func TestSetupDefaultSpec(t *testing.T)  { runScenario(t, "default") }
func TestSetupNoPivot(t *testing.T)      { runScenario(t, "nopivot") }
func TestSetupReadonlyRoot(t *testing.T) { runScenario(t, "readonly-root") }
func TestSetupRsharedRoot(t *testing.T)  { runScenario(t, "shared-root") }

// hostMarker leaves a file outside the rootfs: the container must not see it.
func hostMarker(f fixture) error {
	return os.WriteFile(filepath.Join(f.dir, "host-marker"), nil, 0o644)
}

func childDefault(f fixture) error {
	spec := defaultSpec()
	spec.Linux.Sysctl = map[string]string{"kernel.domainname": "berth.test"}
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	checkHostHidden(&c, f)
	checkDefaultMounts(&c)
	checkDevices(&c)
	checkMasked(&c)
	c.fileIs("/proc/sys/kernel/domainname", "berth.test\n")
	c.createFails("/proc/sys/kernel/domainname", unix.EROFS)
	if _, err := os.Stat("/proc/sysrq-trigger"); err == nil {
		c.createFails("/proc/sysrq-trigger", unix.EROFS)
	}
	c.createFails("/sys/berthtest-probe", unix.EROFS)
	c.createFails("/sys/fs/cgroup/berthtest-probe", unix.EROFS)
	checkShell(&c)
	return c.err()
}

func checkHostHidden(c *checks, f fixture) {
	c.absent(filepath.Join(f.dir, "host-marker"))
	if wd, err := os.Getwd(); err != nil || wd != "/" {
		c.errorf("working directory %q (%v), want /", wd, err)
	}
	ms, err := readMountinfo()
	c.add(err)
	for _, m := range ms {
		if strings.HasPrefix(m.point, f.dir) {
			c.errorf("host path still mounted in the container: %s", m.point)
		}
	}
}

func checkDefaultMounts(c *checks) {
	want := []struct{ point, fstype, opt, super string }{
		{"/proc", "proc", "rw", ""},
		{"/dev", "tmpfs", "nosuid", "size=65536k"},
		{"/dev/pts", "devpts", "noexec", "ptmxmode=666"},
		{"/dev/shm", "tmpfs", "nodev", "size=65536k"},
		{"/dev/mqueue", "mqueue", "nosuid", ""},
		{"/sys", "sysfs", "ro", ""},
	}
	for _, w := range want {
		m, err := topMount(w.point)
		if err != nil {
			c.add(err)
			continue
		}
		if m.fstype != w.fstype || !hasOpt(m.opts, w.opt) || (w.super != "" && !hasOpt(m.super, w.super)) {
			c.errorf("mount at %s is %+v, want %s with %s and %s", w.point, m, w.fstype, w.opt, w.super)
		}
	}
	c.fsType("/proc", unix.PROC_SUPER_MAGIC)
	c.mode("/dev/shm", 0o1777)
	var sf unix.Statfs_t
	if err := unix.Statfs("/dev/shm", &sf); err != nil || sf.Blocks*uint64(sf.Bsize) != 64<<20 {
		c.errorf("/dev/shm size %d blocks of %d (%v), want 64MiB", sf.Blocks, sf.Bsize, err)
	}
	checkCgroupMount(c, cgroupSuperMagic)
}

// checkCgroupMount checks /sys/fs/cgroup as runc builds it on this host.
func checkCgroupMount(c *checks, v1magic int64) {
	var sf unix.Statfs_t
	if err := unix.Statfs("/sys/fs/cgroup", &sf); err != nil {
		c.add(err)
		return
	}
	c.statfsFlags("/sys/fs/cgroup", unix.ST_RDONLY, true)
	if sf.Type == unix.CGROUP2_SUPER_MAGIC {
		return
	}
	c.fsType("/sys/fs/cgroup", unix.TMPFS_MAGIC)
	c.fsType("/sys/fs/cgroup/memory", v1magic)
	c.statfsFlags("/sys/fs/cgroup/memory", unix.ST_RDONLY|unix.ST_NOSUID, true)
	if _, err := os.Stat("/sys/fs/cgroup/memory/cgroup.procs"); err != nil {
		c.add(err)
	}
}

func hasOpt(list, opt string) bool {
	for _, o := range strings.Split(list, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

func checkDevices(c *checks) {
	for _, d := range devnode.Defaults {
		var st unix.Stat_t
		if err := unix.Lstat(d.Path, &st); err != nil {
			c.add(err)
			continue
		}
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(uint32(d.Major), uint32(d.Minor)) || st.Mode&0o777 != 0o666 {
			c.errorf("%s: mode %o rdev %d:%d, want char %d:%d 0666", d.Path, st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev), d.Major, d.Minor)
		}
	}
	links := map[string]string{"/dev/ptmx": "pts/ptmx", "/dev/fd": "/proc/self/fd", "/dev/stdin": "/proc/self/fd/0",
		"/dev/stdout": "/proc/self/fd/1", "/dev/stderr": "/proc/self/fd/2"}
	for l, want := range links {
		if got, err := os.Readlink(l); err != nil || got != want {
			c.errorf("readlink %s = %q (%v), want %q", l, got, err, want)
		}
	}
	c.fileIs("/dev/null", "")
	f, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		c.errorf("open /dev/ptmx: %v", err)
	} else {
		f.Close()
	}
}

func checkMasked(c *checks) {
	if _, err := os.Stat("/proc/kcore"); err == nil {
		c.fileIs("/proc/kcore", "")
	}
	if st, err := os.Stat("/sys/firmware"); err == nil && st.IsDir() {
		c.fsType("/sys/firmware", unix.TMPFS_MAGIC)
		c.createFails("/sys/firmware/x", unix.EROFS)
		if ents, _ := os.ReadDir("/sys/firmware"); len(ents) != 0 {
			c.errorf("masked /sys/firmware is not empty: %d entries", len(ents))
		}
	}
	m, err := topMount("/proc/timer_list")
	if err == nil && m.fstype != "tmpfs" && m.fstype != "devtmpfs" {
		c.errorf("/proc/timer_list masked by %s, want a bind of /dev/null (tmpfs)", m.fstype)
	}
}

// checkShell runs busybox in the new root: the rootfs is usable.
func checkShell(c *checks) {
	out, err := exec.Command("/bin/sh", "-c", "echo hi >/tmp/x && cat /tmp/x").CombinedOutput()
	if err != nil || string(out) != "hi\n" {
		c.errorf("busybox sh in container: %q, %v", out, err)
	}
}

func childNoPivot(f fixture) error {
	if err := build(f, defaultSpec(), true); err != nil {
		return err
	}
	var c checks
	checkHostHidden(&c, f)
	c.fsType("/proc", unix.PROC_SUPER_MAGIC)
	checkDevices(&c)
	checkShell(&c)
	return c.err()
}

func childReadonlyRoot(f fixture) error {
	spec := defaultSpec()
	spec.Root.Readonly = true
	spec.Mounts[1].Options = append(spec.Mounts[1].Options, "ro")
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	c.createFails("/berth", unix.EROFS)
	c.createFails("/tmp/berth", unix.EROFS)
	c.createFails("/dev/berth", unix.EROFS)
	c.createWorks("/dev/shm/berth")
	checkDevices(&c)
	return c.err()
}

func childSharedRoot(f fixture) error {
	spec := defaultSpec()
	spec.Linux.RootfsPropagation = "rshared"
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	checkHostHidden(&c, f)
	m, err := topMount("/")
	c.add(err)
	if !strings.Contains(m.optional, "shared:") {
		c.errorf("container / is %q, want shared", m.optional)
	}
	return c.err()
}

// execScenario runs fn as the child of a scenario registered under name.
func childError(spec *specs.Spec, want string) func(fixture) error {
	return func(f fixture) error {
		err := build(f, spec, false)
		if err == nil {
			return fmt.Errorf("setup succeeded, want an error containing %q", want)
		}
		if !strings.Contains(err.Error(), want) {
			return fmt.Errorf("error %q, want one containing %q", err, want)
		}
		return nil
	}
}

var _ = syscall.CLONE_NEWCGROUP

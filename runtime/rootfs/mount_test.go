package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/berth-containers/berth/runtime/devnode"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func init() {
	scenarios["binds"] = scenario{prepare: prepareBinds, child: childBinds}
	scenarios["symlinks"] = scenario{prepare: prepareSymlinks, child: childSymlinks, hostAbsent: symlinkTargets}
	scenarios["hostdev"] = scenario{child: childHostDev}
	scenarios["userns-devices"] = scenario{child: childBindDevices}
	scenarios["cgroupns"] = scenario{cloneflags: syscall.CLONE_NEWCGROUP, child: childCgroupns}
	for name, e := range errorCases {
		scenarios["error-"+name] = scenario{prepare: e.prepare, child: childError(e.spec(), e.want)}
	}
}

func TestSetupBindOptions(t *testing.T)     { runScenario(t, "binds") }
func TestSetupSymlinkEscape(t *testing.T)   { runScenario(t, "symlinks") }
func TestSetupHostDev(t *testing.T)         { runScenario(t, "hostdev") }
func TestSetupUsernsDevices(t *testing.T)   { runScenario(t, "userns-devices") }
func TestSetupCgroupNamespace(t *testing.T) { runScenario(t, "cgroupns") }

func TestSetupErrors(t *testing.T) {
	for name := range errorCases {
		t.Run(name, func(t *testing.T) { runScenario(t, "error-"+name) })
	}
}

func prepareBinds(f fixture) error {
	if err := os.MkdirAll(filepath.Join(f.rootfs, "etc/sub"), 0o750); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(f.rootfs, "etc/sub/secret"), []byte("s3"), 0o600); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(f.src, "sub"), 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(f.src, "f"), []byte("hello"), 0o644)
}

func childBinds(f fixture) error {
	// A submount in the source shows what is recursive and what is not.
	// The child's copy of / is made rslave first so it stays here.
	if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", filepath.Join(f.src, "sub"), "tmpfs", 0, "size=1m"); err != nil {
		return err
	}
	spec := &specs.Spec{Root: &specs.Root{}, Mounts: []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/ro", Source: f.src, Options: []string{"bind", "ro"}},
		{Destination: "/rro", Type: "bind", Source: f.src, Options: []string{"rbind", "rro"}},
		{Destination: "/rbind-ro", Source: f.src, Options: []string{"rbind", "ro"}},
		{Destination: "/flags", Source: f.src, Options: []string{"bind", "nosuid", "nodev", "noexec", "noatime"}},
		{Destination: "/etc", Type: "tmpfs", Options: []string{"tmpcopyup", "nodev"}},
		{Destination: "/etc/bound", Source: "src/f", Options: []string{"bind", "ro"}},
		{Destination: "/shared", Source: f.src, Options: []string{"rbind", "shared"}},
		{Destination: "/t", Type: "tmpfs", Options: []string{"size=1m", "mode=700", "nr_inodes=100", "noexec"}},
		{Destination: "/tro", Type: "tmpfs", Options: []string{"rro"}},
	}}
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	c.createFails("/ro/x", unix.EROFS)
	c.statfsFlags("/ro", unix.ST_RDONLY, true)
	if _, err := topMount("/ro/sub"); err == nil {
		c.errorf("/ro/sub is a mount point, want the non-recursive bind to leave it out")
	}
	c.createFails("/rro/x", unix.EROFS)
	c.createFails("/rro/sub/x", unix.EROFS)
	c.createFails("/rbind-ro/x", unix.EROFS)
	c.createWorks("/rbind-ro/sub/x")
	c.statfsFlags("/flags", unix.ST_NOSUID|unix.ST_NODEV|unix.ST_NOEXEC|unix.ST_NOATIME, true)
	c.statfsFlags("/flags", unix.ST_RDONLY, false)
	c.fileIs("/etc/bound", "hello")
	c.fsType("/etc", unix.TMPFS_MAGIC)
	c.fileIs("/etc/sub/secret", "s3")
	c.mode("/etc/sub/secret", 0o600)
	c.mode("/etc/sub", 0o750)
	if b, err := os.ReadFile("/etc/passwd"); err != nil || !strings.HasPrefix(string(b), "root:x:0:0:") {
		c.errorf("/etc/passwd after tmpcopyup: %q, %v", b, err)
	}
	c.createFails("/etc/bound", unix.EROFS)
	if m, err := topMount("/shared"); err != nil || !strings.Contains(m.optional, "shared:") {
		c.errorf("/shared mount %+v (%v), want shared", m, err)
	}
	var sf unix.Statfs_t
	if err := unix.Statfs("/t", &sf); err != nil || sf.Blocks*uint64(sf.Bsize) != 1<<20 || sf.Files != 100 {
		c.errorf("/t: %d blocks of %d, %d inodes (%v), want 1MiB and 100 inodes", sf.Blocks, sf.Bsize, sf.Files, err)
	}
	c.mode("/t", 0o700)
	c.statfsFlags("/t", unix.ST_NOEXEC, true)
	c.createFails("/tro/x", unix.EROFS)
	return c.err()
}

func prepareSymlinks(f fixture) error {
	links := map[string]string{
		"abs":         "/tmp",
		"rel":         "../../../../../../../../../..",
		"rootlink":    "/",
		"etc/hostlnk": "/etc/" + f.tag,
		"dangling":    "/" + f.tag + "-dangling/../" + f.tag + "-dangling",
	}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(f.rootfs, l)); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(f.src, "f"), []byte("hello"), 0o644)
}

// symlinkTargets are where the mounts would land if the symlinks were
// followed on the host.
func symlinkTargets(f fixture) []string {
	return []string{"/tmp/" + f.tag, "/" + f.tag + "-rel", "/" + f.tag + "-root", "/etc/" + f.tag, "/" + f.tag + "-dangling"}
}

func childSymlinks(f fixture) error {
	spec := &specs.Spec{Root: &specs.Root{}, Mounts: []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/abs/" + f.tag, Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/rel/" + f.tag + "-rel", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/rootlink/" + f.tag + "-root", Type: "tmpfs", Source: "tmpfs"},
		{Destination: "/dangling/sub", Type: "tmpfs"},
		{Destination: "/etc/hostlnk", Type: "bind", Source: filepath.Join(f.src, "f"), Options: []string{"bind"}},
	}}
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	for _, p := range []string{"/tmp/" + f.tag, "/" + f.tag + "-rel", "/" + f.tag + "-root", "/" + f.tag + "-dangling/sub"} {
		c.fsType(p, unix.TMPFS_MAGIC)
	}
	c.fileIs("/etc/"+f.tag, "hello")
	return c.err()
}

func childHostDev(f fixture) error {
	var host unix.Stat_t
	if err := unix.Lstat("/dev/ptmx", &host); err != nil {
		return err
	}
	spec := &specs.Spec{Root: &specs.Root{}, Mounts: []specs.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc"},
		{Destination: "/dev", Type: "bind", Source: "/dev", Options: []string{"rbind"}},
	}}
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	var st unix.Stat_t
	if err := unix.Lstat("/dev/ptmx", &st); err != nil || st.Mode != host.Mode || st.Ino != host.Ino {
		c.errorf("/dev/ptmx mode %o ino %d (%v), want the host's %o %d untouched", st.Mode, st.Ino, err, host.Mode, host.Ino)
	}
	return c.err()
}

// childBindDevices declares a user namespace, so devices are bind mounts
// of the host's nodes instead of mknod.
func childBindDevices(f fixture) error {
	spec := &specs.Spec{Root: &specs.Root{}, Mounts: defaultSpec().Mounts[:3], Linux: &specs.Linux{
		Namespaces: []specs.LinuxNamespace{{Type: specs.UserNamespace}},
	}}
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	checkDevices(&c)
	for _, d := range devnode.Defaults {
		if _, err := topMount(d.Path); err != nil {
			c.errorf("%s is not a bind mount: %v", d.Path, err)
		}
	}
	return c.err()
}

func childCgroupns(f fixture) error {
	spec := defaultSpec()
	spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	if err := build(f, spec, false); err != nil {
		return err
	}
	var c checks
	checkCgroupMount(&c, cgroupSuperMagic)
	if m, err := topMount("/sys/fs/cgroup/memory"); err == nil && m.root != "/" {
		c.errorf("/sys/fs/cgroup/memory shows cgroup %s, want its namespace root /", m.root)
	}
	return c.err()
}

type errorCase struct {
	prepare func(fixture) error
	mounts  []specs.Mount
	want    string
}

func (e errorCase) spec() *specs.Spec {
	return &specs.Spec{Root: &specs.Root{}, Mounts: append([]specs.Mount{{Destination: "/proc", Type: "proc"}}, e.mounts...)}
}

var errorCases = map[string]errorCase{
	"tmpfs over proc": {mounts: []specs.Mount{{Destination: "/proc", Type: "tmpfs"}},
		want: "/proc may only get a procfs"},
	"inside proc": {mounts: []specs.Mount{{Destination: "/proc/sys/kernel", Type: "tmpfs"}},
		want: "inside /proc"},
	"symlink into proc": {
		prepare: func(f fixture) error { return os.Symlink("/proc/sys", filepath.Join(f.rootfs, "sneaky")) },
		mounts:  []specs.Mount{{Destination: "/sneaky/kernel", Type: "tmpfs"}},
		want:    "inside /proc"},
	"bad tmpfs option": {
		mounts: []specs.Mount{{Destination: "/tmp", Type: "tmpfs", Options: []string{"bad-option"}}},
		want:   "mount tmpfs on /tmp (mounts[1]): invalid argument"},
	"missing bind source": {mounts: []specs.Mount{{Destination: "/x", Source: "/nonexistent-berth", Options: []string{"bind"}}},
		want: "bind /nonexistent-berth on /x (mounts[1]): no such file or directory"},
	"idmap": {mounts: []specs.Mount{{Destination: "/x", Source: "/tmp", Options: []string{"bind", "idmap"}}},
		want: "id-mapped mount: no user namespace prepared"},
	"unknown type": {mounts: []specs.Mount{{Destination: "/x", Type: "berthfs"}},
		want: "mount berthfs on /x (mounts[1]): no such device"},
}

package rootfs

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/busyboxfs"
	"github.com/berth-containers/berth/runtime/spec"
)

// The integration tests re-execute the test binary in new mount, PID, UTS
// and IPC namespaces: the child builds the filesystem with Setup and
// Finalize, checks it from the inside and reports by exit status, so no
// mount ever happens in the test's own namespace.

const (
	envScenario = "BERTH_ROOTFS_SCENARIO"
	envDir      = "BERTH_ROOTFS_DIR"
)

func TestMain(m *testing.M) {
	if name := os.Getenv(envScenario); name != "" {
		os.Exit(runChild(name, os.Getenv(envDir)))
	}
	os.Exit(m.Run())
}

// fixture is the on-disk layout shared by parent and child.
type fixture struct {
	dir    string // test temp dir, never mounted on in the host
	bundle string
	rootfs string
	src    string // bind sources
	tag    string // unique name for paths that must not appear on the host
}

func fixtureAt(dir string) fixture {
	return fixture{
		dir:    dir,
		bundle: filepath.Join(dir, "bundle"),
		rootfs: filepath.Join(dir, "bundle", "rootfs"),
		src:    filepath.Join(dir, "bundle", "src"),
		tag:    "berth-rootfs-" + filepath.Base(filepath.Dir(dir)),
	}
}

func runChild(name, dir string) int {
	runtime.LockOSThread()
	s, ok := scenarios[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", name)
		return 2
	}
	if err := s.child(fixtureAt(dir)); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// scenario is one container filesystem built in a child.
type scenario struct {
	cloneflags uintptr                  // added to the default namespaces
	prepare    func(f fixture) error    // in the parent, before the child runs
	child      func(f fixture) error    // in the child
	hostAbsent func(f fixture) []string // host paths the child must not have created
	// userns runs the child in a user namespace mapping host IDs 0-65535,
	// where mounts inherited from the host are locked.
	userns bool
	// lockedSrc: the parent mounts a nosuid,nodev tmpfs on src/locked for
	// the test's duration, a source whose flags a user namespace cannot
	// clear.
	lockedSrc bool
}

var scenarios = map[string]scenario{}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (mount namespaces, mknod, pivot_root)")
	}
}

// runScenario builds a busybox rootfs, runs the scenario in a child in new
// namespaces and checks that nothing leaked into the host.
func runScenario(t *testing.T, name string) {
	t.Helper()
	requireRoot(t)
	s := scenarios[name]
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := fixtureAt(dir)
	if err := busyboxfs.Build(f.rootfs, ""); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(f.src, 0o755); err != nil {
		t.Fatal(err)
	}
	if s.prepare != nil {
		if err := s.prepare(f); err != nil {
			t.Fatalf("prepare %s: %v", name, err)
		}
	}
	if s.lockedSrc {
		mountLockedSrc(t, f)
	}
	before := hostMountsUnder(t, dir)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envScenario+"="+name, envDir+"="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags: syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC | s.cloneflags,
		Pdeathsig:  syscall.SIGKILL,
	}
	if s.userns {
		cmd.SysProcAttr.Cloneflags |= syscall.CLONE_NEWUSER
		cmd.SysProcAttr.UidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
		cmd.SysProcAttr.GidMappings = []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 65536}}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("scenario %s in child: %v\n%s", name, err, out)
	}
	if after := hostMountsUnder(t, dir); len(after) != len(before) {
		t.Errorf("host mounts under %s changed:\nbefore %q\nafter  %q", dir, before, after)
	}
	if s.hostAbsent != nil {
		for _, p := range s.hostAbsent(f) {
			if _, err := os.Lstat(p); err == nil {
				t.Errorf("%s appeared on the host: a mount escaped the rootfs", p)
				if err := os.RemoveAll(p); err != nil {
					t.Errorf("remove escaped %s: %v", p, err)
				}
			}
		}
	}
}

func mountLockedSrc(t *testing.T, f fixture) {
	t.Helper()
	p := filepath.Join(f.src, "locked")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=1m"); err != nil {
		t.Fatalf("mount tmpfs on %s: %v", p, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(p, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", p, err)
		}
	})
}

// hostMountsUnder lists the test process's mounts whose mount point is in
// dir: other packages' tests may mount elsewhere meanwhile.
func hostMountsUnder(t *testing.T, dir string) []string {
	t.Helper()
	ms, err := readMountinfo()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		if m.point == dir || strings.HasPrefix(m.point, dir+"/") {
			out = append(out, m.point)
		}
	}
	return out
}

// mountLine is one parsed line of /proc/self/mountinfo.
type mountLine struct {
	root, point, opts, optional, fstype, super string
}

func readMountinfo() ([]mountLine, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms []mountLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, _ := strings.Cut(sc.Text(), " - ")
		a, b := strings.Fields(pre), strings.Fields(post)
		if len(a) < 6 || len(b) < 3 {
			return nil, fmt.Errorf("bad mountinfo line %q", sc.Text())
		}
		ms = append(ms, mountLine{root: unescape(a[3]), point: unescape(a[4]), opts: a[5],
			optional: strings.Join(a[6:], " "), fstype: b[0], super: b[2]})
	}
	return ms, sc.Err()
}

// topMount returns the last (visible) mount at point.
func topMount(point string) (mountLine, error) {
	ms, err := readMountinfo()
	if err != nil {
		return mountLine{}, err
	}
	var found *mountLine
	for i := range ms {
		if ms[i].point == point {
			found = &ms[i]
		}
	}
	if found == nil {
		return mountLine{}, fmt.Errorf("nothing mounted at %s", point)
	}
	return *found, nil
}

// checks collects every failed expectation of a child.
type checks struct{ errs []error }

func (c *checks) add(err error) {
	if err != nil {
		c.errs = append(c.errs, err)
	}
}

func (c *checks) errorf(format string, args ...any) { c.add(fmt.Errorf(format, args...)) }

func (c *checks) err() error { return errors.Join(c.errs...) }

// fsType checks the filesystem magic at p.
func (c *checks) fsType(p string, magic int64) {
	var sf unix.Statfs_t
	if err := unix.Statfs(p, &sf); err != nil {
		c.errorf("statfs %s: %v", p, err)
	} else if sf.Type != magic {
		c.errorf("%s is filesystem %#x, want %#x", p, sf.Type, magic)
	}
}

// statfsFlag checks that the mount at p has (or lacks) the ST_* flags.
func (c *checks) statfsFlags(p string, want int64, set bool) {
	var sf unix.Statfs_t
	if err := unix.Statfs(p, &sf); err != nil {
		c.errorf("statfs %s: %v", p, err)
	} else if (sf.Flags&want == want) != set {
		c.errorf("%s has mount flags %#x, want %#x set=%v", p, sf.Flags, want, set)
	}
}

// writeFails checks that creating a file in dir fails with errno.
func (c *checks) createFails(p string, errno unix.Errno) {
	fd, err := unix.Open(p, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err == nil {
		unix.Close(fd)
		c.errorf("open %s for writing succeeded, want %v", p, errno)
	} else if !errors.Is(err, errno) {
		c.errorf("open %s for writing: %v, want %v", p, err, errno)
	}
}

func (c *checks) createWorks(p string) {
	fd, err := unix.Open(p, unix.O_WRONLY|unix.O_CREAT|unix.O_CLOEXEC, 0o644)
	if err != nil {
		c.errorf("open %s for writing: %v", p, err)
		return
	}
	unix.Close(fd)
}

func (c *checks) fileIs(p, want string) {
	b, err := os.ReadFile(p)
	if err != nil {
		c.errorf("read %s: %v", p, err)
	} else if string(b) != want {
		c.errorf("%s holds %q, want %q", p, b, want)
	}
}

func (c *checks) mode(p string, want uint32) {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		c.errorf("stat %s: %v", p, err)
	} else if st.Mode&0o7777 != want {
		c.errorf("%s has mode %04o, want %04o", p, st.Mode&0o7777, want)
	}
}

func (c *checks) absent(p string) {
	if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
		c.errorf("%s is visible (lstat: %v), want it absent", p, err)
	}
}

// defaultSpec is the config.json `runc spec` writes (spec.Default is
// tested to equal it) with a writable root: the scenarios write into the
// rootfs, and the read-only root has a scenario of its own.
func defaultSpec() *specs.Spec {
	s := spec.Default()
	s.Root.Readonly = false
	return s
}

// build runs Setup and Finalize on the fixture's rootfs.
func build(f fixture, spec *specs.Spec, noPivot bool) error {
	c := &Config{Spec: spec, Rootfs: f.rootfs, Bundle: f.bundle, NoPivot: noPivot}
	if err := Setup(c); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	if err := Finalize(c); err != nil {
		return fmt.Errorf("finalize: %w", err)
	}
	return nil
}

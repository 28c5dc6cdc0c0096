// Package rootfs builds a container's filesystem from inside its new mount
// namespace, the way runc's libcontainer/rootfs_linux.go does: spec mounts,
// /dev, pivot_root, then masked and read-only paths, sysctls and a
// read-only root. It drives the packages that own each step: mountopt
// parses the mount options, devnode fills /dev, maskpaths masks and makes
// read-only, sysctl writes /proc/sys; the resolver here is what they all
// open paths through.
//
// Every destination is resolved inside the rootfs with openat2
// (RESOLVE_IN_ROOT) and mounted through the resulting file descriptor, so a
// symlink in the image, or one swapped in while the container starts, can
// never point a mount at the host (CVE-2019-16884, CVE-2019-19921,
// CVE-2021-30465).
//
// The caller must run on a locked OS thread, as root of the new mount
// namespace, with the host's /proc still mounted at /proc until Setup
// returns: the container's init, or a runtime thread in its namespaces
// (Config.Pid, Config.ProcFS).
package rootfs

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/runtime/devnode"
	"github.com/berth-containers/berth/runtime/idmap"
	"github.com/berth-containers/berth/runtime/maskpaths"
	"github.com/berth-containers/berth/runtime/mountopt"
	"github.com/berth-containers/berth/runtime/sysctl"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Config is what the container init knows about the filesystem to build.
type Config struct {
	// Spec is the container's OCI spec; Mounts, Linux.Devices,
	// Linux.MaskedPaths, Linux.ReadonlyPaths, Linux.Sysctl,
	// Linux.RootfsPropagation and Root.Readonly are read.
	Spec *specs.Spec
	// Rootfs is the absolute host path of the rootfs, symlinks evaluated.
	Rootfs string
	// Bundle is the bundle directory; relative bind sources are relative
	// to it.
	Bundle string
	// NoPivot moves the rootfs onto / and chroots instead of pivot_root,
	// for rootfs on ramfs where pivot_root is refused.
	NoPivot bool
	// BeforePivot, if set, runs after every mount is made and before
	// pivot_root, with the rootfs as working directory (runc runs the
	// createContainer hooks there).
	BeforePivot func() error
	// Pid is the container's init when the caller is not it: a thread of
	// the runtime that joined the init's namespaces. Its cgroups are read
	// from /proc/PID. 0 means the caller is the init.
	Pid int
	// ProcFS is a procfs context (fsopen) made inside the container's pid
	// namespace, for a caller outside it: proc takes its pid namespace
	// from whoever opened the context. 0 means mount(2) as the init.
	ProcFS int
	// IDMap has the fds of the id-mapped binds, by index in Spec.Mounts
	// (runtime/idmap.Set.FDs).
	IDMap map[int]idmap.FDs
	// MemoryCgroup is the host directory of the container's v1 memory
	// cgroup, which the init joins only at its exec (see
	// cgroups.Manager.MemoryJoinFile): until then /proc/PID/cgroup names
	// the runtime's, and that is not what the container may see. "" reads
	// every hierarchy from /proc.
	MemoryCgroup string
}

// setup carries the state of one Setup call.
type setup struct {
	c    *Config
	root *inRoot
	// userns: mknod is impossible, devices are bind-mounted from the host.
	userns bool
	// cgroupns: cgroup mounts get a fresh cgroupfs instead of binds.
	cgroupns bool
}

// Setup mounts everything the spec asks for inside c.Rootfs, creates /dev,
// and makes c.Rootfs the root of the calling process with pivot_root (or
// MS_MOVE and chroot with c.NoPivot). The working directory is / on
// return.
func Setup(c *Config) error {
	if err := validate(c); err != nil {
		return err
	}
	prop, err := rootPropagation(c.Spec)
	if err != nil {
		return err
	}
	if err := prepareRoot(c.Rootfs, prop); err != nil {
		return err
	}
	root, err := openInRoot(c.Rootfs)
	if err != nil {
		return err
	}
	defer root.close()
	s := &setup{c: c, root: root}
	if c.Spec.Linux != nil {
		s.userns = HasNamespace(c.Spec.Linux, specs.UserNamespace)
		s.cgroupns = HasNamespace(c.Spec.Linux, specs.CgroupNamespace)
	}
	for i := range c.Spec.Mounts {
		if err := s.mount(i, &c.Spec.Mounts[i]); err != nil {
			return err
		}
	}
	if needsDev(c.Spec.Mounts) {
		if err := devnode.Create(s.root, s.c.Rootfs, s.c.Spec, s.userns); err != nil {
			return err
		}
	}
	if err := unix.Fchdir(root.fd); err != nil {
		return fmt.Errorf("chdir to rootfs %s: %w", c.Rootfs, err)
	}
	if c.BeforePivot != nil {
		if err := c.BeforePivot(); err != nil {
			return err
		}
	}
	if c.NoPivot {
		err = moveRoot(c.Rootfs)
	} else {
		err = pivotRoot(c.Rootfs)
	}
	if err != nil {
		return err
	}
	return finishRootPropagation(c.Spec)
}

// Finalize runs in the container's root after Setup: sysctls, then
// readonlyPaths and maskedPaths, then the deferred read-only /dev and
// root.readonly, in runc's order (sysctls are written before /proc/sys
// turns read-only).
func Finalize(c *Config) error {
	if c == nil || c.Spec == nil {
		return fmt.Errorf("finalize rootfs: no spec")
	}
	r, err := openInRoot("/")
	if err != nil {
		return err
	}
	defer r.close()
	if l := c.Spec.Linux; l != nil {
		if err := sysctl.Write(l.Sysctl); err != nil {
			return err
		}
		for _, p := range l.ReadonlyPaths {
			if err := maskpaths.Readonly(r, p); err != nil {
				return err
			}
		}
		if err := maskpaths.Mask(r, l.MaskedPaths); err != nil {
			return err
		}
	}
	if devReadonly(c.Spec.Mounts) {
		if err := maskpaths.RemountReadonly(r, "/dev"); err != nil {
			return err
		}
	}
	if c.Spec.Root != nil && c.Spec.Root.Readonly {
		if err := maskpaths.RemountReadonly(r, "/"); err != nil {
			return err
		}
	}
	unix.Umask(0o022)
	return nil
}

func validate(c *Config) error {
	if c == nil || c.Spec == nil {
		return fmt.Errorf("set up rootfs: no spec")
	}
	if !filepath.IsAbs(c.Rootfs) {
		return fmt.Errorf("set up rootfs: rootfs %q must be an absolute path", c.Rootfs)
	}
	// A relative destination is relative to the container's / (runc 1.x;
	// runtime/spec warns about it), and one spelt as a host path under the
	// rootfs means that place in it, as runc takes it.
	for i, m := range c.Spec.Mounts {
		d := m.Destination
		if rel, ok := strings.CutPrefix(d, c.Rootfs+"/"); ok {
			d = rel
		}
		if !filepath.IsAbs(d) {
			c.Spec.Mounts[i].Destination = "/" + d
		}
	}
	return nil
}

// HasNamespace says whether the container has a namespace of type t,
// new or joined.
func HasNamespace(l *specs.Linux, t specs.LinuxNamespaceType) bool {
	for _, ns := range l.Namespaces {
		if ns.Type == t {
			return true
		}
	}
	return false
}

// needsDev is false when the host's /dev (or any bind) is mounted on /dev:
// runc then leaves /dev alone.
func needsDev(mounts []specs.Mount) bool {
	for _, m := range mounts {
		if filepath.Clean(m.Destination) == "/dev" && IsBind(m) {
			return false
		}
	}
	return true
}

// devReadonly reports whether the spec wants a read-only /dev filesystem,
// which Setup mounted read-write to create the device nodes.
func devReadonly(mounts []specs.Mount) bool {
	ro := false
	for _, m := range mounts {
		if filepath.Clean(m.Destination) != "/dev" || IsBind(m) {
			continue
		}
		o, err := mountopt.Parse(m.Options)
		ro = err == nil && o.Flags&unix.MS_RDONLY != 0
	}
	return ro
}

// IsBind says whether a spec mount is a bind mount, by type or option.
func IsBind(m specs.Mount) bool {
	if m.Type == "bind" {
		return true
	}
	for _, o := range m.Options {
		if o == "bind" || o == "rbind" {
			return true
		}
	}
	return false
}

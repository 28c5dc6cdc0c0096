package rootfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"
	"github.com/berth-containers/berth/internal/mountpoint"
	"github.com/berth-containers/berth/runtime/mountopt"
)

// rootPropagation returns linux.rootfsPropagation as mount flags; runc's
// default is MS_SLAVE|MS_REC so host mounts still show up but nothing made
// here reaches the host.
func rootPropagation(spec *specs.Spec) (uintptr, error) {
	if spec.Linux == nil || spec.Linux.RootfsPropagation == "" {
		return unix.MS_SLAVE | unix.MS_REC, nil
	}
	p, ok := mountopt.Propagation(spec.Linux.RootfsPropagation)
	if !ok {
		return 0, fmt.Errorf("linux.rootfsPropagation %q: unknown propagation mode", spec.Linux.RootfsPropagation)
	}
	return p, nil
}

// prepareRoot cuts the new namespace's propagation to the host and turns
// the rootfs into a mount of its own, which pivot_root requires.
func prepareRoot(rootfs string, prop uintptr) error {
	if err := unix.Mount("", "/", "", prop, ""); err != nil {
		return fmt.Errorf("make / %s: %w", mountopt.PropagationName(prop), err)
	}
	traceMount("", "/", "", prop, "")
	// pivot_root and MS_MOVE refuse a rootfs whose parent mount is shared.
	// A recursive slave or private / already took care of that; otherwise
	// make the mount holding the rootfs private (only that mount: it is
	// unreachable from the container once pivoted).
	if prop&unix.MS_REC == 0 || prop&unix.MS_SHARED != 0 {
		if err := privateParentMount(rootfs); err != nil {
			return err
		}
	}
	if err := unix.Mount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s onto itself: %w", rootfs, err)
	}
	traceMount(rootfs, rootfs, "", unix.MS_BIND|unix.MS_REC, "")
	return nil
}

// privateParentMount makes the mount holding dir private. The mount is
// found by walking up to the nearest mount root (statx) so that no
// mountinfo has to be read.
func privateParentMount(dir string) error {
	for p := dir; ; p = filepath.Dir(p) {
		var stx unix.Statx_t
		if err := unix.Statx(unix.AT_FDCWD, p, unix.AT_SYMLINK_NOFOLLOW, 0, &stx); err != nil {
			return fmt.Errorf("find mount of rootfs %s: statx %s: %w", dir, p, err)
		}
		if stx.Attributes_mask&unix.STATX_ATTR_MOUNT_ROOT == 0 {
			return fmt.Errorf("find mount of rootfs %s: kernel does not report mount roots", dir)
		}
		if stx.Attributes&unix.STATX_ATTR_MOUNT_ROOT == 0 && p != "/" {
			continue
		}
		if err := unix.Mount("", p, "", unix.MS_PRIVATE, ""); err != nil {
			return fmt.Errorf("make %s (parent mount of rootfs %s) private: %w", p, dir, err)
		}
		traceMount("", p, "", unix.MS_PRIVATE, "")
		return nil
	}
}

// pivotRoot makes rootfs the root with pivot_root(".", "."): the old root
// ends up stacked under the new one, where it is detached without ever
// needing a directory for it inside the rootfs.
func pivotRoot(rootfs string) error {
	oldroot, err := unix.Open("/", unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open old root: %w", err)
	}
	defer unix.Close(oldroot)
	newroot, err := unix.Open(rootfs, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open rootfs %s: %w", rootfs, err)
	}
	defer unix.Close(newroot)
	if err := unix.Fchdir(newroot); err != nil {
		return fmt.Errorf("chdir to rootfs %s: %w", rootfs, err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root to %s: %w", rootfs, err)
	}
	ktrace.F("chdir(%q), pivot_root(\".\", \".\"): the old root is now stacked under the new one", rootfs)
	if err := unix.Fchdir(oldroot); err != nil {
		return fmt.Errorf("chdir to old root: %w", err)
	}
	// The old root may still be shared with the host (rootfsPropagation
	// "shared"); unmounting it must not propagate there.
	if err := unix.Mount("", ".", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("make old root rslave: %w", err)
	}
	traceMount("", ". (old root)", "", unix.MS_SLAVE|unix.MS_REC, "")
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach old root: %w", err)
	}
	ktrace.F("umount2(\". (old root)\", MNT_DETACH)")
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	return nil
}

// moveRoot is --no-pivot: move the rootfs mount over / and chroot into
// it. The host's mounts stay in the namespace, only out of sight, so
// its whole procfs and sysfs mounts go first (hideProcSys).
func moveRoot(rootfs string) error {
	if err := hideProcSys(rootfs); err != nil {
		return err
	}
	if err := unix.Chdir(rootfs); err != nil {
		return fmt.Errorf("chdir to rootfs %s: %w", rootfs, err)
	}
	if err := unix.Mount(rootfs, "/", "", unix.MS_MOVE, ""); err != nil {
		return fmt.Errorf("move rootfs %s onto /: %w", rootfs, err)
	}
	traceMount(rootfs, "/", "", unix.MS_MOVE, "")
	if err := unix.Chroot("."); err != nil {
		return fmt.Errorf("chroot to %s: %w", rootfs, err)
	}
	ktrace.F("chroot(%q)", rootfs)
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("chdir to new root: %w", err)
	}
	return nil
}

// hideProcSys detaches the host's full procfs and sysfs mounts outside
// the rootfs, or covers them with a tmpfs where they cannot be detached,
// as runc does. The kernel lets a user namespace mount a new procfs or
// sysfs only where a full one is already visible to it, and a chroot
// leaves the host's reachable: a container could otherwise mount an
// unmasked /proc of its own (runc's no_pivot.bats).
func hideProcSys(rootfs string) error {
	points, err := mountpoint.FullProcSys()
	if err != nil {
		return fmt.Errorf("--no-pivot: %w", err)
	}
	for _, p := range points {
		if p == rootfs || strings.HasPrefix(p, rootfs+"/") {
			continue
		}
		// The unmount must not reach the host.
		if err := unix.Mount("", p, "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			if errors.Is(err, unix.ENOENT) {
				continue // under a mount already detached
			}
			return fmt.Errorf("--no-pivot: make %s rslave: %w", p, err)
		}
		err := unix.Unmount(p, unix.MNT_DETACH)
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EPERM) {
			err = unix.Mount("tmpfs", p, "tmpfs", 0, "")
		}
		if err != nil {
			return fmt.Errorf("--no-pivot: hide the host's %s: %w", p, err)
		}
		ktrace.F("umount2(%q, MNT_DETACH): no full procfs or sysfs left to the container", p)
	}
	return nil
}

// finishRootPropagation applies an explicit rootfsPropagation to the new
// root too, as runc does after pivot_root: "shared" must mean the
// container's / is shared, not only the host's.
func finishRootPropagation(spec *specs.Spec) error {
	if spec.Linux == nil || spec.Linux.RootfsPropagation == "" {
		return nil
	}
	prop, err := rootPropagation(spec)
	if err != nil {
		return err
	}
	if err := unix.Mount("", "/", "", prop, ""); err != nil {
		return fmt.Errorf("make container root %s: %w", spec.Linux.RootfsPropagation, err)
	}
	traceMount("", "/", "", prop, "")
	return nil
}

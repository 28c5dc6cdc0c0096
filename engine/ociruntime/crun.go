package ociruntime

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/cgroups"
)

// crun refuses a hybrid cgroup host ("cgroups in hybrid mode not
// supported, drop all controllers from cgroupv2"): there it runs in a mount
// namespace of its own without the cgroup2 mount, and so uses cgroup v1
// alone, as berth's own runtime and runc do. The namespace is made on a
// locked thread that is never unlocked (Go ends it with the goroutine), so
// no other goroutine runs in it; the mounts are made private before the
// unmount, which therefore never reaches the host.

// needsPrivateCgroupMounts reports whether bin must run without the
// cgroup2 mount of a hybrid host.
func needsPrivateCgroupMounts(bin string) bool {
	if filepath.Base(bin) != "crun" {
		return false
	}
	l, err := cgroups.DetectLayout()
	return err == nil && l == cgroups.LayoutHybrid
}

// runRuntime runs cmd, in a mount namespace without the cgroup2 mount when
// the runtime needs one.
func runRuntime(bin string, cmd *exec.Cmd) error {
	if !needsPrivateCgroupMounts(bin) {
		return cmd.Run()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread goes with the goroutine
		errc <- startWithoutUnified(cmd)
	}()
	if err := <-errc; err != nil {
		return err
	}
	return cmd.Wait()
}

func startWithoutUnified(cmd *exec.Cmd) error {
	if err := unix.Unshare(unix.CLONE_NEWNS | unix.CLONE_FS); err != nil {
		return fmt.Errorf("mount namespace for %s: %w", cmd.Path, err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("mount namespace for %s: make mounts private: %w", cmd.Path, err)
	}
	if err := unix.Unmount(filepath.Join(cgroups.Root, "unified"), unix.MNT_DETACH); err != nil {
		return fmt.Errorf("mount namespace for %s: unmount the cgroup2 hierarchy: %w", cmd.Path, err)
	}
	return cmd.Start()
}

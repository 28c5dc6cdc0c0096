package container

import (
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/nsenter"
)

func (b *builder) resources() *specs.LinuxResources {
	if b.spec.Linux == nil {
		return nil
	}
	return b.spec.Linux.Resources
}

// applyResources writes linux.resources into the new, still empty cgroup,
// and keeps aside what must wait for the init's set-up (applyReady).
func (b *builder) applyResources() error {
	now, later := b.cg.SplitUntilReady(b.resources())
	if err := b.cg.Set(now); err != nil {
		return fmt.Errorf("apply linux.resources: %w", err)
	}
	b.ready = later
	b.phases.Mark("cgroup resources")
	return nil
}

// applyReady writes the limits that waited for the init's set-up, once the
// init is ready and before create returns (see cgroups.SplitUntilReady):
// they are in force before the program's execve, and a kill of create or
// start at any moment never leaves a container without them.
func (b *builder) applyReady() error {
	if b.ready == nil {
		return nil
	}
	if err := b.cg.Set(b.ready); err != nil {
		return fmt.Errorf("apply linux.resources once the init is ready: %w", err)
	}
	b.phases.Mark("cgroup limits (init ready)")
	return nil
}

// memoryJoinFile opens the v1 memory cgroup's tasks file for the init's
// last step before execve (see cgroups.Manager.MemoryJoinFile), or returns
// nil when memory is not a v1 hierarchy here.
func (b *builder) memoryJoinFile() (*os.File, error) {
	p := b.cg.MemoryJoinFile()
	if p == "" {
		return nil, nil
	}
	f, err := os.OpenFile(p, os.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open memory cgroup %s: %w", p, err)
	}
	return f, nil
}

// memoryCgroupDir is memoryJoinFile's cgroup, which the cgroup mount binds, or "".
func (b *builder) memoryCgroupDir() string {
	if p := b.cg.MemoryJoinFile(); p != "" {
		return filepath.Dir(p)
	}
	return ""
}

// rootCgroupNamespace: a new cgroup namespace is rooted at the cgroups the
// process is in when it is made, so the process joins the v1 memory cgroup
// for that moment and leaves it again (nsenter's cgroup leave records),
// to be charged there only from its exec.
func (b *builder) rootCgroupNamespace(boot *nsenter.Bootstrap) error {
	join := b.cg.MemoryJoinFile()
	if join == "" || boot.CloneFlags&unix.CLONE_NEWCGROUP == 0 {
		return nil
	}
	leave, err := cgroups.OwnMemoryTasksFile()
	if err != nil {
		return fmt.Errorf("cgroup namespace: %w", err)
	}
	boot.CgroupFiles = append(boot.CgroupFiles, join)
	boot.CgroupLeave = []string{leave}
	return nil
}

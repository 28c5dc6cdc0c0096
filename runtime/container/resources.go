package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/nsenter"
)

// afterExecFile holds, in the state directory of a created container, the
// limits start writes once the program has exec'd (cgroups.SplitAfterExec:
// memory.max on cgroup v2). It is gone once they are written.
const afterExecFile = "resources-after-exec.json"

func (b *builder) resources() *specs.LinuxResources {
	if b.spec.Linux == nil {
		return nil
	}
	return b.spec.Linux.Resources
}

// applyResources writes linux.resources into the new, still empty cgroup,
// and keeps aside what must wait for the exec.
func (b *builder) applyResources() error {
	now, later := b.cg.SplitAfterExec(b.resources())
	if err := b.cg.Set(now); err != nil {
		return fmt.Errorf("apply linux.resources: %w", err)
	}
	if later != nil {
		data, err := json.Marshal(later)
		if err != nil {
			return fmt.Errorf("encode resources to apply after exec: %w", err)
		}
		if err := atomicfile.WriteFile(filepath.Join(b.dir, afterExecFile), data, 0o600); err != nil {
			return err
		}
	}
	b.phases.mark("cgroup resources")
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

// afterExec runs once start has released the init: if limits wait for the
// exec, it waits for the exec fifo's EOF (the init's write end is
// close-on-exec) and writes them. Until then the runtime's Go init, not
// yet replaced by the program, runs without them.
func (c *Container) afterExec(fifo int) error {
	path := filepath.Join(c.dir, afterExecFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read resources to apply after exec: %w", err)
	}
	var r specs.LinuxResources
	if err := json.Unmarshal(data, &r); err != nil {
		return fmt.Errorf("decode %s: %w", path, err)
	}
	buf := make([]byte, 16)
	for {
		n, err := unix.Read(fifo, buf)
		if n == 0 && err == nil {
			break // every writer is gone: the init exec'd or died
		}
		if err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("wait for the exec of container %s: %w", c.ID(), err)
		}
		if !c.state.alive() {
			break
		}
		fds := []unix.PollFd{{Fd: int32(fifo), Events: unix.POLLIN}}
		unix.Poll(fds, 50)
	}
	if err := c.cgroup().Set(&r); err != nil {
		return fmt.Errorf("apply memory limits of container %s after exec: %w", c.ID(), err)
	}
	return os.Remove(path)
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

package bundle

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/volume"
	"golang.org/x/sys/unix"
)

// removeFiles tears down everything of a container that is not running.
func (e ops) removeFiles(ctx context.Context, c *record.Container, volumes bool) error {
	var errs []error
	if rc, err := e.c.LoadRuntime(c); err == nil {
		if err := rc.Delete(true); err != nil {
			errs = append(errs, err)
		}
	} else {
		// No runtime state (a create was killed half way): kill what the
		// record knows and remove the cgroup by its path.
		if proc.Alive(c.State.Pid, c.State.PidStart) {
			if err := unix.Kill(c.State.Pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
				errs = append(errs, fmt.Errorf("kill process %d: %w", c.State.Pid, err))
			}
			core.WaitGone(c.State.Pid, c.State.PidStart, 5*time.Second)
		}
		if cg, err := core.CgroupByPath(c); err == nil {
			if err := cg.Destroy(); err != nil {
				errs = append(errs, fmt.Errorf("remove cgroup: %w", err))
			}
		}
		if err := container.RemoveState(e.c.RuntimeRoot(), c.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if err := e.c.Net.TearDown(c); err != nil {
		errs = append(errs, err)
	}
	if err := e.unmountRootfs(c.ID); err != nil {
		errs = append(errs, err)
	}
	e.c.Mark("rm: runtime state, unmount")
	if svc, err := e.c.Images(); err == nil {
		if sn, err := svc.Snapshotter(); err == nil {
			if err := sn.Remove(context.WithoutCancel(ctx), c.ID); err != nil && !errors.Is(err, snapshot.ErrNotFound) {
				errs = append(errs, err)
			}
		}
	}
	e.c.Mark("rm: snapshot")
	if err := os.RemoveAll(e.c.RunDir(c.ID)); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(e.c.ContainerDir(c.ID)); err != nil {
		errs = append(errs, err)
	}
	if err := e.c.Records.Remove(c.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		errs = append(errs, err)
	}
	e.c.Mark("rm: files, record")
	if volumes {
		vols := volume.New(e.c.Root)
		for _, m := range c.HostConfig.Mounts {
			if m.Type == "volume" && m.Anonymous {
				if err := vols.Remove(m.Name); err != nil && !errors.Is(err, volume.ErrNotFound) {
					errs = append(errs, err)
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("remove container %s: %w", c.Name, errors.Join(errs...))
	}
	e.c.Emit(c, "destroy")
	return nil
}

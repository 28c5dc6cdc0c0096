package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/fsops"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/snapshot"
)

// CopyOptions are cp's flags.
type CopyOptions = fsops.CopyOptions

// CopyFrom copies src, a path in the container, to dst on the host; with
// dst "-" it writes a tar of src to w instead.
func (f *Files) CopyFrom(ctx context.Context, ref, src, dst string, o CopyOptions, w io.Writer) error {
	e := f.e
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	return e.rt.withRootfs(ctx, c, true, func(dir string) error {
		return fsops.CopyOut(dir, src, dst, o, c.Name, w)
	})
}

// CopyTo copies src on the host into the container at dst; with src "-"
// it extracts a tar read from r into the directory dst.
func (f *Files) CopyTo(ctx context.Context, ref, src, dst string, o CopyOptions, r io.Reader) error {
	e := f.e
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	return e.rt.withRootfs(ctx, c, true, func(dir string) error {
		return fsops.CopyIn(dir, src, dst, o, c.Name, r)
	})
}

// withRootfs calls fn with a directory showing the container's files. A
// running container is seen through /proc/PID/root when live (with its
// volumes and mounts, as cp wants), else through its mounted rootfs; a
// stopped one gets its snapshot mounted for the call, and when live its
// volumes and bind mounts too.
func (e *runtimeOps) withRootfs(ctx context.Context, c *record.Container, live bool, fn func(dir string) error) (err error) {
	if c.Running() {
		if live {
			return fn(fmt.Sprintf("/proc/%d/root", c.State.Pid))
		}
		if bundle.IsMountPoint(e.c.RootfsDir(c.ID)) {
			return fn(e.c.RootfsDir(c.ID))
		}
	}
	mounts, err := bundle.RootfsMounts(ctx, e.c, c)
	if err != nil {
		return err
	}
	if err := e.c.MakeRunDir(c.ID); err != nil {
		return err
	}
	dir, err := os.MkdirTemp(e.c.RunDir(c.ID), "mnt-")
	if err != nil {
		return err
	}
	defer os.Remove(dir)
	if err := snapshot.MountAll(mounts, dir); err != nil {
		return fmt.Errorf("mount root filesystem of container %s: %w", c.Name, err)
	}
	defer func() {
		if uerr := snapshot.UnmountAll(dir); uerr != nil {
			err = errors.Join(err, fmt.Errorf("unmount root filesystem of container %s: %w", c.Name, uerr))
		}
	}()
	if live {
		undo, err := fsops.BindVolumes(dir, volumeBinds(c.HostConfig.Mounts))
		if err != nil {
			return fmt.Errorf("mount volumes of container %s: %w", c.Name, err)
		}
		err = fn(dir)
		return errors.Join(err, undo())
	}
	return fn(dir)
}

// volumeBinds are the mounts of a stopped container that have content of
// their own: volumes and bind mounts (tmpfs is empty while it is stopped).
func volumeBinds(mounts []record.Mount) []fsops.Bind {
	var binds []fsops.Bind
	for _, m := range mounts {
		if m.Type == "bind" || m.Type == "volume" {
			binds = append(binds, fsops.Bind{Source: m.Source, Destination: m.Destination, ReadOnly: m.ReadOnly})
		}
	}
	return binds
}

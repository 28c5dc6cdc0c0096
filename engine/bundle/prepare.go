package bundle

import (
	"context"
	"errors"
	"fmt"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/mountpoint"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/snapshot"
)

// prepare mounts the container's rootfs (unless a previous start left it
// mounted) and writes its bundle. Errors here are berth's own (exit 125).
func (e ops) prepare(ctx context.Context, c *record.Container) error {
	rootfs := e.c.RootfsDir(c.ID)
	// The mount point is reached only through the container's 0700 run
	// directory: the rootfs is mounted in the host's mount namespace
	// without nosuid or nodev (the container needs its setuid binaries and
	// device nodes), so no other user may look up paths in it.
	if err := e.c.MakeRunDir(c.ID); err != nil {
		return err
	}
	if err := statedir.Mkdir(rootfs, statedir.Mode); err != nil {
		return fmt.Errorf("create rootfs mount point: %w", err)
	}
	if !isMountPoint(rootfs) {
		mounts, err := e.rootfsMounts(ctx, c)
		if err != nil {
			return fmt.Errorf("%w (remove it with berth rm -f)", err)
		}
		if c.HostConfig.AutoRemove {
			// Its files go with it: overlay need not sync the upper dir's
			// filesystem at unmount, which costs a syncfs of the whole
			// disk (podman mounts --rm containers volatile too).
			for i := range mounts {
				if mounts[i].Type == "overlay" {
					mounts[i].Options = append(mounts[i].Options, "volatile")
				}
			}
		}
		if err := snapshot.MountAll(mounts, rootfs); err != nil {
			return fmt.Errorf("mount root filesystem of container %s: %w", c.Name, err)
		}
		e.c.Mark("mount rootfs")
	}
	if err := e.mountShm(c); err != nil {
		return errors.Join(err, e.unmountRootfs(c.ID))
	}
	if err := e.c.Net.SetUp(ctx, c); err != nil {
		return errors.Join(err, e.unmountRootfs(c.ID))
	}
	s, err := e.buildSpec(c, rootfs)
	if err == nil {
		err = e.writeBundle(c, s)
	}
	e.c.Mark("spec and bundle")
	if err != nil {
		if nerr := e.c.Net.TearDown(c); nerr != nil {
			err = errors.Join(err, fmt.Errorf("tear down the network of container %s: %w", c.Name, nerr))
		}
		return errors.Join(err, e.unmountRootfs(c.ID))
	}
	e.c.EmitVolumes(c, "mount")
	return nil
}

// unmountRootfs unmounts the container's root filesystem, if mounted, and
// its shareable /dev/shm, which lives as long.
func (e ops) unmountRootfs(id string) error {
	if err := e.unmountShm(id); err != nil {
		return err
	}
	rootfs := e.c.RootfsDir(id)
	if !isMountPoint(rootfs) {
		return nil
	}
	if err := snapshot.UnmountAll(rootfs); err != nil {
		return fmt.Errorf("unmount root filesystem of container %s: %w", id, err)
	}
	return nil
}

// isMountPoint compares a directory's device with its parent's: an
// overlay mounted on it has a device of its own.
func isMountPoint(dir string) bool { return mountpoint.Is(dir) }

// rootfsMounts are the mounts of a container's root filesystem: its
// writable snapshot over its image's layers.
func (e ops) rootfsMounts(ctx context.Context, c *record.Container) ([]snapshot.Mount, error) {
	svc, err := e.c.Images()
	if err != nil {
		return nil, err
	}
	sn, err := svc.Snapshotter()
	if err != nil {
		return nil, err
	}
	mounts, err := sn.Mounts(ctx, c.ID)
	if err != nil {
		return nil, fmt.Errorf("root filesystem of container %s: %w", c.Name, err)
	}
	return mounts, nil
}

package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/commit"
	"github.com/berth-containers/berth/engine/fsops"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/snapshot"
)

// Change kinds, as `docker diff` prints them.
const (
	ChangeModify = fsops.ChangeModify
	ChangeAdd    = fsops.ChangeAdd
	ChangeDelete = fsops.ChangeDelete
)

// Change is one line of `docker diff`.
type Change = fsops.Change

// Size is the disk space of the container's writable layer (ps --size,
// df, inspect's SizeRw), as its snapshot's Usage says.
func (f *Files) Size(c *record.Container) (int64, error) {
	svc, err := f.e.c.Images()
	if err != nil {
		return 0, err
	}
	sn, err := svc.Snapshotter()
	if err != nil {
		return 0, err
	}
	u, err := sn.Usage(context.Background(), c.ID)
	return u.Size, err
}

// Diff lists what the container changed in its root filesystem, from its
// writable layer (the overlay upper dir) alone, running or stopped, as
// fsops.Changes says. What berth made only to mount on (/etc/hosts, volume
// mount points) is left out, as commit leaves it out.
func (f *Files) Diff(ctx context.Context, ref string) ([]Change, error) {
	e := f.e
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	mounts, err := bundle.RootfsMounts(ctx, e.c, c)
	if err != nil {
		return nil, err
	}
	upper, err := commit.Upper(mounts)
	if err != nil {
		return nil, fmt.Errorf("container %s: %w", c.Name, err)
	}
	return fsops.Changes(upper, lowerOf(mounts), commit.MountPointFilter(e.c.ContainerDir(c.ID), upper))
}

// lowerOf lists the image's layers under an overlay mount, top first.
func lowerOf(mounts []snapshot.Mount) []string {
	for _, m := range mounts {
		for _, o := range m.Options {
			if v, ok := strings.CutPrefix(o, "lowerdir="); ok {
				return strings.Split(v, ":")
			}
		}
	}
	return nil
}

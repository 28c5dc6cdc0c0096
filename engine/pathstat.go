package engine

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/fsops"
	"github.com/berth-containers/berth/engine/store"
)

// PathStat is what Docker's archive endpoints say of a path in a
// container (the X-Docker-Container-Path-Stat header).
type PathStat = fsops.PathStat

// StatPath stats p inside the container without following a final
// symlink (resolved inside the root, as cp does); a missing path is
// ErrNotFound.
func (f *Files) StatPath(ctx context.Context, ref, p string) (PathStat, error) {
	e := f.e
	c, err := e.Get(ref)
	if err != nil {
		return PathStat{}, err
	}
	var ps PathStat
	err = e.rt.withRootfs(ctx, c, true, func(dir string) error {
		var err error
		ps, err = fsops.Stat(dir, p)
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ENOTDIR) {
			return fmt.Errorf("stat %s in container %s: %w", p, c.Name, store.ErrNotFound)
		}
		return err
	})
	return ps, err
}

package engine

import (
	"context"
	"log/slog"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/inspect"
	"github.com/berth-containers/berth/engine/record"
)

// graphDriver is inspect's GraphDriver over the mounts the container's
// rootfs is (or would be) made of.
func (e *runtimeOps) graphDriver(c *record.Container) map[string]any {
	mounts, err := bundle.RootfsMounts(context.Background(), e.c, c)
	if err != nil {
		// A container whose snapshot went missing is still inspectable.
		slog.Debug("inspect: no snapshot mounts", "container", c.ID, "err", err)
		mounts = nil
	}
	return inspect.GraphDriver(e.c.RootfsDir(c.ID), mounts)
}

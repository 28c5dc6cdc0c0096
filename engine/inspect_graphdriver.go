package engine

import (
	"context"
	"log/slog"
	"strings"

	"github.com/berth-containers/berth/snapshot"
)

// graphDriver is inspect's GraphDriver: Docker's overlay2 keys (LowerDir,
// MergedDir, UpperDir, WorkDir) over berth's snapshot directories, read
// from the overlay mount the container's rootfs is (or would be) made of.
// The name stays "overlay": the directories are berth's snapshotter's
// (<id>/fs, no diff/ or l/ short links, no -init layer), not overlay2's
// layout, and a tool that trusted the name would look for those.
func (e *runtimeOps) graphDriver(c *Container) map[string]any {
	data := map[string]string{"MergedDir": e.dirs.rootfsDir(c.ID)}
	mounts, err := e.rootfsMounts(context.Background(), c)
	if err != nil {
		// A container whose snapshot went missing is still inspectable.
		slog.Debug("inspect: no snapshot mounts", "container", c.ID, "err", err)
		return map[string]any{"Name": "overlay", "Data": data}
	}
	for k, v := range overlayDirs(mounts) {
		data[k] = v
	}
	return map[string]any{"Name": "overlay", "Data": data}
}

// overlayDirs maps an overlay mount's lowerdir, upperdir and workdir to
// Docker's names; a single-layer rootfs (a bind of one directory) is its
// UpperDir alone.
func overlayDirs(mounts []snapshot.Mount) map[string]string {
	out := map[string]string{}
	for _, m := range mounts {
		if m.Type != "overlay" {
			if m.Type == "bind" && len(mounts) == 1 {
				out["UpperDir"] = m.Source
			}
			continue
		}
		for _, o := range m.Options {
			k, v, ok := strings.Cut(o, "=")
			if !ok {
				continue
			}
			switch k {
			case "lowerdir":
				out["LowerDir"] = v
			case "upperdir":
				out["UpperDir"] = v
			case "workdir":
				out["WorkDir"] = v
			}
		}
	}
	return out
}

package builder

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/builder/stepdir"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/lifecycle"
	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/snapshot"
)

// OwnerLabel names the build process of a RUN container ("pid:start"), so
// that the next build can remove what a killed one left.
const OwnerLabel = "berth.build.owner"

// owner is this process as OwnerLabel and view names give it.
func owner() string {
	start, _, err := proc.StartTime(os.Getpid())
	if err != nil {
		return strconv.Itoa(os.Getpid())
	}
	return fmt.Sprintf("%d:%d", os.Getpid(), start)
}

// ownerAlive reports whether the build process an owner string names is
// still running.
func ownerAlive(s string) bool {
	pidText, startText, _ := strings.Cut(s, ":")
	pid, err := strconv.Atoi(pidText)
	if err != nil {
		return false
	}
	start, err := strconv.ParseUint(startText, 10, 64)
	if err != nil {
		return false
	}
	return proc.Alive(pid, start)
}

// removeStale removes the RUN containers and COPY views of builds whose
// process is gone (SIGKILL, a crash): they are nobody's now. Other
// builds' are left alone.
func (b *Builder) removeStale(ctx context.Context) {
	list, err := b.Engine.List(engine.ListOptions{All: true, Filters: []string{"label=" + OwnerLabel}})
	if err == nil {
		for _, c := range list {
			if !ownerAlive(c.Config.Labels[OwnerLabel]) {
				if err := b.Engine.Remove(ctx, c.ID, lifecycle.RemoveOptions{Force: true, Volumes: true}); err != nil {
					slog.Warn("remove a killed build's container", "id", c.ID, "err", err)
				}
			}
		}
	}
	dirs, _ := filepath.Glob(filepath.Join(b.Root, "builder", "mnt", "view-*"))
	sn, err := b.Images.Snapshotter()
	if err != nil {
		return
	}
	for _, dir := range dirs {
		who, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), "view-"), "-")
		if ownerAlive(strings.ReplaceAll(who, ".", ":")) {
			continue
		}
		snapshot.UnmountAll(dir)
		sn.Remove(ctx, "build-"+filepath.Base(dir))
		os.Remove(dir)
	}
	// A RUN's mount files: its overlays unmounted first, and nothing
	// removed while anything is still mounted there.
	steps, _ := filepath.Glob(filepath.Join(b.Root, "builder", "mnt", "step-*"))
	for _, dir := range steps {
		who, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), "step-"), "-")
		if ownerAlive(strings.ReplaceAll(who, ".", ":")) {
			continue
		}
		if err := stepdir.RemoveStale(dir); err != nil {
			slog.Warn("remove a killed build's mounts", "dir", dir, "err", err)
		}
	}
}

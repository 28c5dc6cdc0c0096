package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/runtime/container"
)

// BootResult is what Boot did: containers it started (names), the stale
// run state it cleaned (names), and the starts that failed.
type BootResult struct {
	Started, Cleaned []string
	Failed           []error
}

// Boot is what a host runs once at boot (contrib/berth-boot.service) in
// place of a daemon's restore: it cleans what the reboot left of
// containers recorded as running (runtime state, cgroups, namespace pins,
// endpoints, rootfs mounts), records them exited, then starts those whose
// restart policy says they run: always, and unless-stopped unless the
// user stopped it. on-failure and no stay down, as podman-restart leaves
// them. Running it again starts nothing more: what runs is left alone.
func (ops *System) Boot(ctx context.Context) (BootResult, error) {
	e := ops.e
	var res BootResult
	if err := ops.RepairStorage(ctx); err != nil {
		slog.Warn("boot: repair storage", "error", err)
	}
	list, err := e.c.Records.List()
	if err != nil {
		return res, err
	}
	for _, c := range list {
		was := c.State.Status
		c.Refresh()
		if was != c.State.Status {
			ops.cleanStale(c)
			res.Cleaned = append(res.Cleaned, c.Name)
		}
	}
	if _, err := e.Network().Repair(ctx); err != nil {
		slog.Warn("boot: repair networks", "error", err)
	}
	for _, c := range list {
		if c.Running() || c.State.Status == record.StatusRestarting || !c.BootStarts() {
			continue
		}
		if _, err := e.Start(ctx, c.ID); err != nil {
			res.Failed = append(res.Failed, fmt.Errorf("start %s: %w", c.Name, err))
			continue
		}
		res.Started = append(res.Started, c.Name)
	}
	return res, nil
}

// cleanStale removes the run state of a container whose processes and
// monitor are gone (Refresh found it so), and records the exit Refresh
// worked out. Each step is idempotent: after a real reboot most of it is
// already gone with /run.
func (ops *System) cleanStale(c *record.Container) {
	e := ops.e
	if rc, err := e.c.LoadRuntime(c); err == nil {
		if err := rc.Delete(true); err != nil {
			slog.Debug("boot: delete runtime state", "id", c.ID, "error", err)
		}
	}
	if err := container.RemoveState(e.c.RuntimeRoot(), c.ID); err != nil {
		slog.Warn("boot: remove runtime state", "id", c.ID, "error", err)
	}
	if cg, err := core.CgroupByPath(c); err == nil {
		// Left on a cgroup file system that outlived the processes.
		if err := cg.Destroy(); err != nil {
			slog.Warn("boot: remove cgroup", "id", c.ID, "error", err)
		}
	}
	if err := e.Network().tearDown(c); err != nil {
		slog.Debug("boot: tear down network", "id", c.ID, "error", err)
	}
	if err := bundle.UnmountRootfs(e.c, c.ID); err != nil {
		slog.Warn("boot: unmount", "id", c.ID, "error", err)
	}
	e.c.EmitVolumes(c, "unmount")
	state := c.State
	if _, err := e.c.Records.Modify(c.ID, func(r *record.Container) error {
		if err := r.SetStatus(state.Status); err != nil {
			return err
		}
		r.State = state
		return nil
	}); err != nil && !errors.Is(err, store.ErrNotFound) {
		slog.Warn("boot: record exit", "id", c.ID, "error", err)
	}
	e.c.EmitExit(c, state.ExitCode, false)
}

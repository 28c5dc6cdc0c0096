package engine

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/lifecycle"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/internal/filters"
	"github.com/berth-containers/berth/volume"
)

// PruneReport lists what a prune removed.
type PruneReport struct {
	Deleted   []string
	Reclaimed int64
}

// PruneContainers removes every container that is not running.
func (ops *System) PruneContainers(ctx context.Context, f filters.Prune) (PruneReport, error) {
	var rep PruneReport
	// What killed commands left first: orphan snapshots pin image layers.
	if err := ops.RepairStorage(ctx); err != nil {
		return rep, err
	}
	list, err := ops.e.List(ListOptions{All: true})
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, c := range list {
		if c.Running() || c.State.Status == record.StatusRestarting || !f.Match(c.Created, c.Config.Labels) {
			continue
		}
		size, _ := ops.e.Files().Size(c)
		if err := ops.e.Remove(ctx, c.ID, lifecycle.RemoveOptions{}); err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				errs = append(errs, err)
			}
			continue
		}
		rep.Deleted = append(rep.Deleted, c.ID)
		rep.Reclaimed += size
	}
	return rep, errors.Join(errs...)
}

// VolumesInUse maps each volume name to the containers whose mounts name
// it.
func (ops *Volumes) InUse() (map[string][]string, error) {
	list, err := ops.e.c.Records.List()
	if err != nil {
		return nil, err
	}
	used := map[string][]string{}
	for _, c := range list {
		for _, m := range c.HostConfig.Mounts {
			if m.Type == "volume" {
				used[m.Name] = append(used[m.Name], c.ID)
			}
		}
	}
	return used, nil
}

// RemoveVolume deletes a volume no container uses; force does not make
// an in-use volume go (as Docker), only a missing one not an error.
func (ops *Volumes) Remove(name string, force bool) error {
	used, err := ops.InUse()
	if err != nil {
		return err
	}
	if ids := used[name]; len(ids) > 0 {
		return fmt.Errorf("remove %s: volume is in use - [%s] (remove the container first)", name, strings.Join(ids, ", "))
	}
	err = volume.New(ops.e.c.Root).Remove(name)
	if force && errors.Is(err, volume.ErrNotFound) {
		return nil
	}
	return err
}

// PruneVolumes removes unused volumes: anonymous ones, or all with all.
func (ops *Volumes) Prune(all bool, f filters.Prune) (PruneReport, error) {
	var rep PruneReport
	used, err := ops.InUse()
	if err != nil {
		return rep, err
	}
	vols := volume.New(ops.e.c.Root)
	list, err := vols.List()
	if err != nil {
		return rep, err
	}
	var errs []error
	for _, v := range list {
		if len(used[v.Name]) > 0 || (!all && !v.Anonymous()) || !f.Match(v.CreatedAt, v.Labels) {
			continue
		}
		size := dirSize(v.Mountpoint)
		if err := vols.Remove(v.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		rep.Deleted = append(rep.Deleted, v.Name)
		rep.Reclaimed += size
	}
	return rep, errors.Join(errs...)
}

// dirSize sums the sizes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	// The walk skips what it cannot read, so WalkDir returns no error.
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// NewVolumeName is the name of a volume created without one.
func NewVolumeName() string { return core.NewID() }

// ListVolumes returns volumes matching filters: dangling=true|false (no
// container uses it), name=<part>, label=<k>[=<v>].
func (ops *Volumes) List(fs []string) ([]volume.Volume, error) {
	args, err := filters.Set{
		Keys: []string{"dangling", "name", "label", "driver"},
		Key: func(_, k string) error {
			return fmt.Errorf("invalid filter '%s': use dangling, name, label or driver", k)
		},
	}.Parse(fs)
	if err != nil {
		return nil, err
	}
	list, err := volume.New(ops.e.c.Root).List()
	if err != nil {
		return nil, err
	}
	used, err := ops.InUse()
	if err != nil {
		return nil, err
	}
	var out []volume.Volume
	for _, v := range list {
		ok := true
		for _, val := range args["dangling"] {
			ok = ok && (len(used[v.Name]) == 0) == (val == "true" || val == "1")
		}
		for _, val := range args["name"] {
			ok = ok && strings.Contains(v.Name, val)
		}
		for _, val := range args["label"] {
			ok = ok && filters.MatchLabel(v.Labels, val)
		}
		for _, val := range args["driver"] {
			ok = ok && v.Driver == val
		}
		if ok {
			out = append(out, v)
		}
	}
	return out, nil
}

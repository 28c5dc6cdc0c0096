package engine

import (
	"context"
	"time"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/stats"
	"github.com/berth-containers/berth/runtime/cgroups"
)

// StatsOptions are the flags of stats.
type StatsOptions struct {
	Refs     []string // none: every running container (with All, every one)
	All      bool
	NoStream bool
	Interval time.Duration // between refreshes; 1 s when 0
}

// StatsEntry is one row of stats, as Docker computes it from the cgroup.
type StatsEntry = stats.Entry

// Stats calls emit with a row per container every interval, or once with
// NoStream. CPU % is the container's share of the host's CPU time over
// the interval, times the number of CPUs, as docker stats shows it.
func (e *Engine) Stats(ctx context.Context, o StatsOptions, emit func([]StatsEntry) error) error {
	return stats.Stream(ctx, o.Interval, o.NoStream, func() ([]stats.Target, error) {
		list, err := e.rt.statsTargets(o)
		if err != nil {
			return nil, err
		}
		targets := make([]stats.Target, len(list))
		for i, c := range list {
			targets[i] = stats.Target{ID: c.ID, Name: c.Name, Running: c.Running(), Pid: c.State.Pid,
				HostNetwork: c.HostConfig.NetworkMode == "host",
				Cgroup:      func() (*cgroups.Manager, error) { return e.c.CgroupOf(c) }}
		}
		return targets, nil
	}, emit)
}

func (e *runtimeOps) statsTargets(o StatsOptions) ([]*record.Container, error) {
	if len(o.Refs) == 0 {
		return e.List(ListOptions{All: o.All})
	}
	out := make([]*record.Container, 0, len(o.Refs))
	for _, r := range o.Refs {
		c, err := e.Get(r)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

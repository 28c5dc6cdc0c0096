package engine

import (
	"context"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/sysinfo"
)

// Info is `docker info`'s system-wide information (engine/sysinfo).
type Info = sysinfo.Info

// InfoPlugins are the drivers berth has built in.
type InfoPlugins = sysinfo.Plugins

// InfoRuntime is one runtime a container can name with --runtime.
type InfoRuntime = sysinfo.Runtime

// RegistryConfig is how registries are reached.
type RegistryConfig = sysinfo.RegistryConfig

// IndexInfo is one registry of RegistryConfig.
type IndexInfo = sysinfo.IndexInfo

// Info gathers the system-wide information; insecure are the registries
// the command line marks as reached over plain HTTP.
func (ops *System) Info(ctx context.Context, insecure []string) (*Info, error) {
	in := sysinfo.Host(ops.e.c.Root, insecure)
	var err error
	if in.ID, err = sysinfo.EngineID(ops.e.c.Root); err != nil {
		return nil, err
	}
	recs, err := ops.e.c.Records.List()
	if err != nil {
		return nil, err
	}
	for _, c := range recs {
		c.Refresh()
		in.Containers++
		switch c.State.Status {
		case record.StatusPaused:
			in.ContainersPaused++
		case record.StatusRunning, record.StatusRestarting:
			in.ContainersRunning++
		default:
			in.ContainersStopped++
		}
	}
	if in.Images, err = ops.imageCount(); err != nil {
		return nil, err
	}
	return in, nil
}

// imageCount counts images by their manifest, from the records alone.
func (ops *System) imageCount() (int, error) {
	svc, err := ops.e.c.Images()
	if err != nil {
		return 0, err
	}
	recs, err := svc.Records.List()
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Target.Digest.String()] = true
	}
	return len(seen), nil
}

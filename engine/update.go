package engine

import (
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/update"
)

// Update changes a container's limits and restart policy, running or not:
// the record always (a later start applies it), and a running or paused
// container's cgroup at once through its runtime (berth's library, or
// `<runtime> update` for runc and others). The checks and their wording
// are Docker's. A cgroup that refuses a value (a memory limit below what
// the container uses) leaves the record as it was.
func (e *Engine) Update(ref string, o update.Options) (warnings []string, err error) {
	c, err := e.Get(ref)
	if err != nil {
		return nil, err
	}
	_, err = e.c.Records.Modify(c.ID, func(rec *record.Container) error {
		rec.Refresh()
		hc, live, warn, err := o.Apply(rec.HostConfig, updateHost())
		if err != nil {
			return err
		}
		warnings = warn
		if live != nil && rec.Running() {
			if err := e.rt.updateLive(rec, live); err != nil {
				return err // names the container and the value refused
			}
		}
		rec.HostConfig = hc
		return nil
	})
	return warnings, err
}

func (e *runtimeOps) updateLive(c *record.Container, r *specs.LinuxResources) error {
	h, err := e.c.LoadRuntime(c)
	if err != nil {
		return err
	}
	return h.Update(r)
}

// updateHost is what update's checks need to know of this machine.
func updateHost() update.Host {
	return update.Host{
		NumCPU:      runtime.NumCPU(),
		BlkioWeight: blkioWeightSupported(),
		OnlineCPUs:  orAll("", "/sys/devices/system/cpu/online"),
		OnlineMems:  orAll("", "/sys/devices/system/node/online"),
	}
}

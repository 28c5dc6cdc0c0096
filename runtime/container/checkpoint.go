package container

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/phases"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/criu"
)

// Checkpoint dumps the running (or paused) container with CRIU into
// o.ImagePath. As with runc, the container is gone afterwards, CRIU having
// killed its processes, unless o.LeaveRunning or o.PreDump.
func (c *Container) Checkpoint(o criu.Options) error {
	ph := phases.New("checkpoint")
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	if st := c.Status(); st == specs.StateCreated || st == specs.StateStopped {
		return fmt.Errorf("container %s cannot be checkpointed in %s state", c.ID(), st)
	}
	if _, err := criu.Binary(); err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	s, err := c.config()
	if err != nil {
		return err
	}
	imgs, err := criu.OpenImageDir(o.ImagePath, true)
	if err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	defer imgs.Close()
	if err := criu.ParentPath(imgs.Name(), o.ParentPath); err != nil {
		return err
	}
	work, logDir, err := criu.OpenWorkDir(o.WorkPath, imgs.Name())
	if err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	if work != nil {
		defer work.Close()
	}
	req, err := criu.DumpRequest(c.dumpTarget(s), &o, imgs, work)
	if err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), err)
	}
	ph.Mark("state, image dir, request")
	if _, err := (&criu.Session{}).Run(req); err != nil {
		return fmt.Errorf("checkpoint container %s: %w", c.ID(), criu.Failed(err, logDir, "dump.log"))
	}
	ph.Mark("criu dump")
	if o.LeaveRunning || o.PreDump {
		return nil
	}
	c.killAll()
	ph.Mark("kill and wait")
	err = c.destroy()
	ph.Mark("destroy")
	return err
}

// dumpTarget is what CRIU's dump request needs of the container.
func (c *Container) dumpTarget(s *specs.Spec) *criu.Dump {
	d := &criu.Dump{Spec: s, Bundle: c.state.Bundle, Rootfs: c.state.Rootfs,
		InitPid: c.state.InitPid, CgroupPaths: c.state.CgroupPaths}
	// CRIU freezes the tasks through the cgroup freezer where there is
	// one (v1's freezer, v2's cgroup.freeze), else with ptrace.
	cg := c.cgroup()
	if p := cg.Path("freezer"); p != "" {
		d.FreezeCgroup = p
	} else if p := cg.Path(cgroups.Unified); p != "" && len(c.state.CgroupPaths) == 1 {
		d.FreezeCgroup = p
	}
	return d
}

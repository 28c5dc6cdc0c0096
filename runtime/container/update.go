package container

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/internal/atomicfile"
)

// Update changes the resources of a created, running or paused container
// in place. Only the fields set in r are written.
func (c *Container) Update(r *specs.LinuxResources) error {
	lf, err := lock(c.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	if st := c.Status(); st == specs.StateStopped {
		return fmt.Errorf("cannot update container %s: it has stopped", c.ID())
	}
	cg := c.cgroup()
	// Limits still waiting for the exec of a created container are
	// replaced there, or start would write the old ones over the new.
	path := filepath.Join(c.dir, afterExecFile)
	if _, err := os.Stat(path); err == nil {
		now, later := cg.SplitAfterExec(r)
		if later != nil {
			data, err := json.Marshal(later)
			if err != nil {
				return fmt.Errorf("encode resources to apply after exec: %w", err)
			}
			if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
				return err
			}
		}
		r = now
	}
	if err := cg.Set(r); err != nil {
		return fmt.Errorf("update container %s: %w", c.ID(), err)
	}
	return nil
}

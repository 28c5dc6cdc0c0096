package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth-containers/berth/snapshot"
)

func isSnapshotNotFound(err error) bool { return errors.Is(err, snapshot.ErrNotFound) }

// Pause freezes every process of a running container.
func (e *Engine) Pause(ref string) error {
	return e.setFrozen(ref, true)
}

// Unpause thaws a paused container.
func (e *Engine) Unpause(ref string) error {
	return e.setFrozen(ref, false)
}

// setFrozen writes the freezer of the container's cgroup (v1 freezer.state,
// v2 cgroup.freeze) and waits until the kernel reports it done.
func (e *Engine) setFrozen(ref string, freeze bool) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	switch {
	case freeze && c.State.Status == StatusPaused:
		return fmt.Errorf("container %s is already paused", c.ID)
	case !freeze && c.State.Status != StatusPaused:
		return fmt.Errorf("container %s is not paused", c.ID)
	case !c.Running():
		return fmt.Errorf("container %s is not running", c.ID)
	}
	rc, err := e.loadRuntime(c)
	if err != nil {
		return fmt.Errorf("container %s: %w", c.ID, err)
	}
	paths := rc.CgroupPaths()
	if err := freezeCgroup(paths, freeze); err != nil {
		return fmt.Errorf("cannot pause container %s: %w", c.ID, err)
	}
	status := StatusRunning
	if freeze {
		status = StatusPaused
	}
	_, err = e.db.modify(c.ID, func(r *Container) error {
		r.State.Status = status
		return nil
	})
	return err
}

func freezeCgroup(paths map[string]string, freeze bool) error {
	for key, dir := range paths {
		if strings.Contains(key, "freezer") {
			want := "THAWED"
			if freeze {
				want = "FROZEN"
			}
			if err := os.WriteFile(filepath.Join(dir, "freezer.state"), []byte(want), 0); err != nil {
				return err
			}
			for i := 0; i < 500; i++ {
				got, err := os.ReadFile(filepath.Join(dir, "freezer.state"))
				if err != nil || strings.TrimSpace(string(got)) == want {
					return err
				}
				time.Sleep(2 * time.Millisecond)
			}
			return fmt.Errorf("freezer of %s did not reach %s", dir, want)
		}
	}
	for _, dir := range paths {
		f := filepath.Join(dir, "cgroup.freeze")
		if _, err := os.Stat(f); err == nil {
			v := "0"
			if freeze {
				v = "1"
			}
			return os.WriteFile(f, []byte(v), 0)
		}
	}
	return errors.New("no freezer cgroup for the container")
}

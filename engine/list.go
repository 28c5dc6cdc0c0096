package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/berth-containers/berth/engine/bundle"
	"github.com/berth-containers/berth/engine/containerfilter"
	"github.com/berth-containers/berth/engine/create"
	"github.com/berth-containers/berth/engine/record"
)

// ListOptions are ps's flags.
type ListOptions struct {
	All     bool
	Last    int // -n: the last n created, any status; <=0 means no limit
	Filters []string
}

// List returns containers, newest first, with their status checked
// against the running system.
func (e *Engine) List(o ListOptions) ([]*record.Container, error) {
	match, err := containerfilter.Parse(o.Filters)
	if err != nil {
		return nil, err
	}
	recs, err := e.c.Records.List()
	if err != nil {
		return nil, err
	}
	var out []*record.Container
	for _, c := range recs {
		c.Refresh()
		if c.OrphanedExit() {
			// --rm, which the killed monitor (a foreground run, say)
			// did not get to apply.
			if err := bundle.RemoveFiles(context.Background(), e.c, c, true); err != nil {
				slog.Warn("remove a --rm container whose monitor was killed", "id", c.ID, "error", err)
			}
			continue
		}
		all := o.All || containerfilter.ShowsAll(o.Filters)
		if !all && o.Last <= 0 && !c.Running() && c.State.Status != record.StatusRestarting {
			continue
		}
		if !match(c) {
			continue
		}
		out = append(out, c)
		if o.Last > 0 && len(out) == o.Last {
			break
		}
	}
	return out, nil
}

// Rename gives a container a new name.
func (e *Engine) Rename(ref, name string) error {
	if !create.ValidName(name) {
		return fmt.Errorf("invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	old, _ := e.c.Records.Get(ref)
	if err := e.c.Records.Rename(ref, strings.TrimPrefix(name, "/")); err != nil || old == nil {
		return err
	}
	e.c.EmitRename(old, strings.TrimPrefix(name, "/"))
	return nil
}

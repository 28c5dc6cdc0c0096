package engine

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/internal/filters"
)

// ListOptions are ps's flags.
type ListOptions struct {
	All     bool
	Last    int // -n: the last n created, any status; <=0 means no limit
	Filters []string
}

// List returns containers, newest first, with their status checked
// against the running system.
func (e *Engine) List(o ListOptions) ([]*Container, error) {
	match, err := parseListFilters(o.Filters)
	if err != nil {
		return nil, err
	}
	recs, err := e.db.list()
	if err != nil {
		return nil, err
	}
	var out []*Container
	for _, c := range recs {
		c.Refresh()
		if c.OrphanedExit() {
			// --rm, which the killed monitor (a foreground run, say)
			// did not get to apply.
			if err := e.life.removeFiles(context.Background(), c, true); err != nil {
				slog.Warn("remove a --rm container whose monitor was killed", "id", c.ID, "error", err)
			}
			continue
		}
		// As Docker's: a status or exited filter looks at every container.
		all := o.All || hasFilter(o.Filters, "status") || hasFilter(o.Filters, "exited")
		if !all && o.Last <= 0 && !c.Running() && c.State.Status != StatusRestarting {
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

func hasFilter(fs []string, key string) bool {
	for _, f := range fs {
		if strings.HasPrefix(f, key+"=") {
			return true
		}
	}
	return false
}

// parseListFilters reads --filter key=value: status, name, label, ancestor,
// exited, id. Filters of one key are ORed, different keys ANDed, and
// labels are all ANDed, as Docker's (compose asks for project AND service).
func parseListFilters(fs []string) (func(*Container) bool, error) {
	byKey, err := filters.Set{
		Keys:  []string{"status", "exited", "name", "label", "ancestor", "id", "health"},
		Check: checkListFilter,
	}.Parse(fs)
	if err != nil {
		return nil, err
	}
	return func(c *Container) bool {
		for k, vals := range byKey {
			ok := false
			for _, v := range vals {
				m := filterOne(c, k, v)
				if k == "label" && !m {
					return false
				}
				if m {
					ok = true
				}
			}
			if !ok {
				return false
			}
		}
		return true
	}, nil
}

func checkListFilter(k, v string) error {
	switch k {
	case "status":
		switch v {
		case StatusCreated, StatusRunning, StatusPaused, StatusRestarting, StatusExited, StatusDead, "removing":
		default:
			return fmt.Errorf("invalid filter 'status=%s': use created, restarting, running, removing, paused, exited or dead", v)
		}
	case "health":
		switch v {
		case HealthStarting, HealthHealthy, HealthUnhealthy, HealthNone:
		default:
			//lint:ignore ST1005 Docker's wording
			return fmt.Errorf("Unrecognised filter value for health: %s", v)
		}
	case "exited":
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("invalid filter 'exited=%s': the exit code must be a number", v)
		}
	}
	return nil
}

func filterOne(c *Container, k, v string) bool {
	switch k {
	case "status":
		return c.State.Status == v
	case "exited":
		n, _ := strconv.Atoi(v)
		return c.State.Status == StatusExited && c.State.ExitCode == n
	case "name":
		// Docker's: a regular expression, on the name with and without
		// its leading slash; one that does not compile matches nothing.
		re, err := regexp.Compile(v)
		return err == nil && (re.MatchString(c.Name) || re.MatchString("/"+c.Name))
	case "id":
		return strings.HasPrefix(c.ID, v)
	case "health":
		return c.HealthStatus() == v
	case "label":
		return filters.MatchLabel(c.Config.Labels, v)
	case "ancestor":
		return c.Image == v || strings.HasPrefix(c.Image, v+":") || strings.HasPrefix(strings.TrimPrefix(c.ImageID, "sha256:"), strings.TrimPrefix(v, "sha256:"))
	}
	return false
}

// Rename gives a container a new name.
func (e *Engine) Rename(ref, name string) error {
	if !validName.MatchString(name) {
		return fmt.Errorf("invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	old, _ := e.db.get(ref)
	if err := e.db.rename(ref, strings.TrimPrefix(name, "/")); err != nil || old == nil {
		return err
	}
	e.ev.emitRename(old, strings.TrimPrefix(name, "/"))
	return nil
}

// Size is the disk space of the container's writable layer.
func (e *Engine) Size(c *Container) (int64, error) {
	svc, err := e.imageService()
	if err != nil {
		return 0, err
	}
	sn, err := svc.Snapshotter()
	if err != nil {
		return 0, err
	}
	u, err := sn.Usage(context.Background(), c.ID)
	return u.Size, err
}

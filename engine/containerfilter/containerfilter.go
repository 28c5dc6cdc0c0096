// Package containerfilter is ps's --filter over container records:
// status, exited, name, label, ancestor, id and health, checked and
// matched with Docker's wording and rules. It reads records only; which
// records there are, and their status against the running system, are
// the engine's.
package containerfilter

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/filters"
)

// Match reports whether a container passes the filters.
type Match func(*record.Container) bool

// Parse reads --filter key=value. Filters of one key are ORed, different
// keys ANDed, and labels are all ANDed, as Docker's (compose asks for
// project AND service).
func Parse(fs []string) (Match, error) {
	byKey, err := filters.Set{
		Keys:  []string{"status", "exited", "name", "label", "ancestor", "id", "health"},
		Check: check,
	}.Parse(fs)
	if err != nil {
		return nil, err
	}
	return func(c *record.Container) bool {
		for k, vals := range byKey {
			ok := false
			for _, v := range vals {
				m := matchOne(c, k, v)
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

// ShowsAll reports whether the filters look at every container, as
// Docker's status and exited filters do without -a.
func ShowsAll(fs []string) bool {
	return has(fs, "status") || has(fs, "exited")
}

func has(fs []string, key string) bool {
	for _, f := range fs {
		if strings.HasPrefix(f, key+"=") {
			return true
		}
	}
	return false
}

func check(k, v string) error {
	switch k {
	case "status":
		switch v {
		case record.StatusCreated, record.StatusRunning, record.StatusPaused, record.StatusRestarting,
			record.StatusExited, record.StatusDead, "removing":
		default:
			return fmt.Errorf("invalid filter 'status=%s': use created, restarting, running, removing, paused, exited or dead", v)
		}
	case "health":
		switch v {
		case record.HealthStarting, record.HealthHealthy, record.HealthUnhealthy, record.HealthNone:
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

func matchOne(c *record.Container, k, v string) bool {
	switch k {
	case "status":
		return c.State.Status == v
	case "exited":
		n, _ := strconv.Atoi(v)
		return c.State.Status == record.StatusExited && c.State.ExitCode == n
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

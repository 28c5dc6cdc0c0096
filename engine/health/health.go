// Package health is Docker's healthchecks without a daemon: the config
// (create's flags over the image's HEALTHCHECK, checked as the daemon
// does), the probe schedule, and the probe runner a container's monitor
// spawns (probe.go). The state a probe's result moves (starting, healthy,
// unhealthy, the failing streak, the last five results) is the record's
// (record.Health.Record).
package health

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
)

// Docker's defaults and limits (daemon/health.go, api/types/container).
const (
	defaultProbeInterval = 30 * time.Second
	defaultProbeTimeout  = 30 * time.Second
	minimumHealthDur     = time.Millisecond
	healthOutputMax      = 4096
)

// Flags turns the flags into a config as Docker's CLI does: nil
// when none is given (the image's stays), Test {"NONE"} with
// --no-healthcheck, Test empty (the image's) with durations only.
func Flags(o options.HealthOptions) (*record.HealthConfig, error) {
	if o.Healthcheck != nil {
		return o.Healthcheck, nil
	}
	some := o.HealthCmd != "" || o.HealthInterval != 0 || o.HealthTimeout != 0 ||
		o.HealthStartPeriod != 0 || o.HealthStartInterval != 0 || o.HealthRetries != 0
	if o.NoHealthcheck {
		if some {
			return nil, errors.New("--no-healthcheck conflicts with --health-* options")
		}
		return &record.HealthConfig{Test: []string{"NONE"}}, nil
	}
	if !some {
		return nil, nil
	}
	for _, d := range []struct {
		flag string
		v    time.Duration
	}{{"interval", o.HealthInterval}, {"timeout", o.HealthTimeout}, {"start-period", o.HealthStartPeriod}, {"start-interval", o.HealthStartInterval}} {
		if d.v < 0 {
			return nil, fmt.Errorf("--health-%s cannot be negative", d.flag)
		}
	}
	if o.HealthRetries < 0 {
		return nil, errors.New("--health-retries cannot be negative")
	}
	hc := &record.HealthConfig{Interval: o.HealthInterval, Timeout: o.HealthTimeout, StartPeriod: o.HealthStartPeriod,
		StartInterval: o.HealthStartInterval, Retries: o.HealthRetries}
	if o.HealthCmd != "" {
		hc.Test = []string{"CMD-SHELL", o.HealthCmd}
	}
	return hc, nil
}

// ErrInvalid marks a healthcheck that Docker's daemon refuses (create
// exits 1 for it, as Docker's, not 125).
var ErrInvalid = errors.New("invalid healthcheck")

// invalidError is one of Validate's, in Docker's words.
type invalidError string

func (h invalidError) Error() string   { return string(h) }
func (h invalidError) Is(t error) bool { return t == ErrInvalid }

// Validate is the daemon's check (verifyContainerSettings), with its
// wording: durations are 0 (the default) or at least 1ms.
func Validate(hc *record.HealthConfig) error {
	if hc == nil {
		return nil
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Interval", hc.Interval}, {"Timeout", hc.Timeout}, {"StartPeriod", hc.StartPeriod}, {"StartInterval", hc.StartInterval}} {
		if d.v != 0 && d.v < minimumHealthDur {
			return invalidError(fmt.Sprintf("%s in Healthcheck cannot be less than %s", d.name, minimumHealthDur))
		}
	}
	if hc.Retries < 0 {
		return invalidError("Retries in Healthcheck cannot be negative")
	}
	if len(hc.Test) > 0 {
		switch hc.Test[0] {
		case "NONE", "CMD", "CMD-SHELL":
		default:
			return invalidError(fmt.Sprintf("unknown Healthcheck test type %q: use CMD, CMD-SHELL or NONE", hc.Test[0]))
		}
	}
	return nil
}

// Merge lays the container's config over the image's as Docker's
// merge does: an empty Test and zero fields take the image's.
func Merge(user, img *record.HealthConfig) *record.HealthConfig {
	if user == nil {
		if img == nil {
			return nil
		}
		c := *img
		return &c
	}
	c := *user
	if img != nil {
		if len(c.Test) == 0 {
			c.Test = img.Test
		}
		if c.Interval == 0 {
			c.Interval = img.Interval
		}
		if c.Timeout == 0 {
			c.Timeout = img.Timeout
		}
		if c.StartPeriod == 0 {
			c.StartPeriod = img.StartPeriod
		}
		if c.StartInterval == 0 {
			c.StartInterval = img.StartInterval
		}
		if c.Retries == 0 {
			c.Retries = img.Retries
		}
	}
	return &c
}

// Probing reports whether hc runs probes (a test that is not NONE).
func Probing(hc *record.HealthConfig) bool {
	return hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE"
}

// Argv is what a probe execs: CMD's args, or CMD-SHELL's command
// under /bin/sh -c, as Docker on Linux.
func Argv(hc *record.HealthConfig) []string {
	if hc.Test[0] == "CMD-SHELL" {
		return []string{"/bin/sh", "-c", strings.Join(hc.Test[1:], " ")}
	}
	return hc.Test[1:]
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// Next is the wait before the next probe: the start interval while
// the container is starting within its start period (when one is set: a
// container without it probes at its interval throughout, as Docker
// 20.10), the interval otherwise.
func Next(hc *record.HealthConfig, h *record.Health, started time.Time, now time.Time) time.Duration {
	if hc.StartInterval != 0 && (h == nil || h.Status == record.HealthStarting) && now.Sub(started) < hc.StartPeriod {
		return hc.StartInterval
	}
	return orDefault(hc.Interval, defaultProbeInterval)
}

// output keeps the first healthOutputMax bytes of a probe's output
// and marks a cut with "...", as Docker's limitedBuffer.
type output struct {
	buf  []byte
	over bool
}

func (l *output) Write(p []byte) (int, error) {
	room := healthOutputMax - len(l.buf)
	if len(p) > room {
		l.buf = append(l.buf, p[:max(room, 0)]...)
		l.over = true
		return len(p), nil
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

func (l *output) String() string {
	if l.over {
		return string(l.buf) + "..."
	}
	return string(l.buf)
}

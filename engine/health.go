package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/berth-containers/berth/image"
)

// Healthchecks as Docker's: the config (flags over the image's HEALTHCHECK),
// the state inspect shows and how a probe's result moves it (the last two
// in engine/record). Running the probes is health_run.go's.

// Docker's defaults and limits (daemon/health.go, api/types/container).
const (
	defaultProbeInterval = 30 * time.Second
	defaultProbeTimeout  = 30 * time.Second
	minimumHealthDur     = time.Millisecond
	healthOutputMax      = 4096
)

// HealthFlags turns the flags into a config as Docker's CLI does: nil
// when none is given (the image's stays), Test {"NONE"} with
// --no-healthcheck, Test empty (the image's) with durations only.
func HealthFlags(o HealthOptions) (*HealthConfig, error) {
	if o.Healthcheck != nil {
		return o.Healthcheck, nil
	}
	some := o.HealthCmd != "" || o.HealthInterval != 0 || o.HealthTimeout != 0 ||
		o.HealthStartPeriod != 0 || o.HealthStartInterval != 0 || o.HealthRetries != 0
	if o.NoHealthcheck {
		if some {
			return nil, errors.New("--no-healthcheck conflicts with --health-* options")
		}
		return &HealthConfig{Test: []string{"NONE"}}, nil
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
	hc := &HealthConfig{Interval: o.HealthInterval, Timeout: o.HealthTimeout, StartPeriod: o.HealthStartPeriod,
		StartInterval: o.HealthStartInterval, Retries: o.HealthRetries}
	if o.HealthCmd != "" {
		hc.Test = []string{"CMD-SHELL", o.HealthCmd}
	}
	return hc, nil
}

// ErrHealthcheck marks a healthcheck that Docker's daemon refuses (create
// exits 1 for it, as Docker's, not 125).
var ErrHealthcheck = errors.New("invalid healthcheck")

// healthError is one of ValidateHealth's, in Docker's words.
type healthError string

func (h healthError) Error() string   { return string(h) }
func (h healthError) Is(t error) bool { return t == ErrHealthcheck }

// ValidateHealth is the daemon's check (verifyContainerSettings), with its
// wording: durations are 0 (the default) or at least 1ms.
func ValidateHealth(hc *HealthConfig) error {
	if hc == nil {
		return nil
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Interval", hc.Interval}, {"Timeout", hc.Timeout}, {"StartPeriod", hc.StartPeriod}, {"StartInterval", hc.StartInterval}} {
		if d.v != 0 && d.v < minimumHealthDur {
			return healthError(fmt.Sprintf("%s in Healthcheck cannot be less than %s", d.name, minimumHealthDur))
		}
	}
	if hc.Retries < 0 {
		return healthError("Retries in Healthcheck cannot be negative")
	}
	if len(hc.Test) > 0 {
		switch hc.Test[0] {
		case "NONE", "CMD", "CMD-SHELL":
		default:
			return healthError(fmt.Sprintf("unknown Healthcheck test type %q: use CMD, CMD-SHELL or NONE", hc.Test[0]))
		}
	}
	return nil
}

// mergeHealth lays the container's config over the image's as Docker's
// merge does: an empty Test and zero fields take the image's.
func mergeHealth(user, img *HealthConfig) *HealthConfig {
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

// probing reports whether hc runs probes (a test that is not NONE).
func probing(hc *HealthConfig) bool {
	return hc != nil && len(hc.Test) > 0 && hc.Test[0] != "NONE"
}

// probeArgv is what a probe execs: CMD's args, or CMD-SHELL's command
// under /bin/sh -c, as Docker on Linux.
func probeArgv(hc *HealthConfig) []string {
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

// nextProbe is the wait before the next probe: the start interval while
// the container is starting within its start period (when one is set: a
// container without it probes at its interval throughout, as Docker
// 20.10), the interval otherwise.
func nextProbe(hc *HealthConfig, h *Health, started time.Time, now time.Time) time.Duration {
	if hc.StartInterval != 0 && (h == nil || h.Status == HealthStarting) && now.Sub(started) < hc.StartPeriod {
		return hc.StartInterval
	}
	return orDefault(hc.Interval, defaultProbeInterval)
}

// limitedOutput keeps the first healthOutputMax bytes of a probe's output
// and marks a cut with "...", as Docker's limitedBuffer.
type limitedOutput struct {
	buf  []byte
	over bool
}

func (l *limitedOutput) Write(p []byte) (int, error) {
	room := healthOutputMax - len(l.buf)
	if len(p) > room {
		l.buf = append(l.buf, p[:max(room, 0)]...)
		l.over = true
		return len(p), nil
	}
	l.buf = append(l.buf, p...)
	return len(p), nil
}

func (l *limitedOutput) String() string {
	if l.over {
		return string(l.buf) + "..."
	}
	return string(l.buf)
}

// healthConfig is the container's healthcheck: the flags' (checked as the
// daemon does) over the image's HEALTHCHECK, which Docker's config keeps
// beside the OCI fields.
func (e *createOps) healthConfig(user *HealthConfig, img *image.Image) (*HealthConfig, error) {
	svc, err := e.imageService()
	if err != nil {
		return nil, err
	}
	data, err := svc.Content.ReadBlob(img.Manifest.Config.Digest)
	if err != nil {
		return nil, fmt.Errorf("read the config of image %s: %w", img.ID, err)
	}
	var cfg dockerspec.DockerOCIImage
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("parse the config of image %s: %w", img.ID, err)
	}
	return mergeHealth(user, cfg.Config.Healthcheck), nil
}

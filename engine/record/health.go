package record

import (
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
)

// HealthConfig is a container's healthcheck, as Docker's HealthConfig:
// Test is {"CMD", args...}, {"CMD-SHELL", command} or {"NONE"}.
type HealthConfig = dockerspec.HealthcheckConfig

// Docker's health statuses; none is ps's filter for no healthcheck.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
	HealthNone      = "none"
)

// Docker's defaults (daemon/health.go) for the state a probe moves.
const (
	// DefaultProbeRetries is how many failures in a row make a container
	// unhealthy when its healthcheck sets no retries.
	DefaultProbeRetries = 3
	// healthLogEntries is how many probes State.Health keeps.
	healthLogEntries = 5
)

// Health is State.Health, with Docker's field names.
type Health struct {
	Status        string         `json:"Status"`
	FailingStreak int            `json:"FailingStreak"`
	Log           []HealthResult `json:"Log"`
}

// HealthResult is one probe.
type HealthResult struct {
	Start    time.Time `json:"Start"`
	End      time.Time `json:"End"`
	ExitCode int       `json:"ExitCode"`
	Output   string    `json:"Output"`
}

// Record applies one probe's result to h as Docker's handleProbeResult:
// success resets the streak and makes it healthy; a failure counts only
// past the start period (or once a probe succeeded), and retries of them
// in a row make it unhealthy. It returns whether the status changed.
func (h *Health) Record(hc *HealthConfig, r HealthResult, started time.Time) bool {
	old := h.Status
	h.Log = append(h.Log, r)
	if len(h.Log) > healthLogEntries {
		h.Log = append([]HealthResult(nil), h.Log[len(h.Log)-healthLogEntries:]...)
	}
	if r.ExitCode == 0 {
		h.FailingStreak = 0
		h.Status = HealthHealthy
		return old != h.Status
	}
	if h.Status == HealthStarting && r.Start.Sub(started) < hc.StartPeriod {
		return false
	}
	h.FailingStreak++
	retries := hc.Retries
	if retries <= 0 {
		retries = DefaultProbeRetries
	}
	if h.FailingStreak >= retries {
		h.Status = HealthUnhealthy
	}
	return old != h.Status
}

// Stopped is what Docker's CloseMonitorChannel does when the probes stop
// (exit, restart, pause): the status reads unhealthy, "for
// compatibility", with no event. h may be nil.
func (h *Health) Stopped() {
	if h != nil {
		h.Status = HealthUnhealthy
	}
}

// HealthStatus is the container's health for ps's filter: none without a
// healthcheck.
func (c *Container) HealthStatus() string {
	if c.State.Health == nil {
		return HealthNone
	}
	return c.State.Health.Status
}

// HealthText is what ps adds to a running container's "Up ...": " (healthy)",
// " (unhealthy)", " (health: starting)", or nothing.
func (c *Container) HealthText() string {
	switch h := c.State.Health; {
	case h == nil || !c.Running():
		return ""
	case h.Status == HealthStarting:
		return " (health: starting)"
	default:
		return " (" + h.Status + ")"
	}
}

package record

import (
	"testing"
	"time"
)

// TestHealthRecord follows Docker's handleProbeResult: failures in the
// start period do not count while starting; retries in a row make it
// unhealthy; a success resets the streak; the log keeps the last five.
func TestHealthRecord(t *testing.T) {
	start := time.Unix(1000, 0)
	hc := &HealthConfig{Retries: 2, StartPeriod: 10 * time.Second}
	h := &Health{Status: HealthStarting}
	at := func(sec, code int) HealthResult {
		return HealthResult{Start: start.Add(time.Duration(sec) * time.Second), ExitCode: code}
	}
	steps := []struct {
		r       HealthResult
		status  string
		streak  int
		changed bool
	}{
		{at(1, 1), HealthStarting, 0, false},
		{at(2, 1), HealthStarting, 0, false},
		{at(11, 1), HealthStarting, 1, false},
		{at(12, -1), HealthUnhealthy, 2, true},
		{at(13, 0), HealthHealthy, 0, true},
		{at(14, 1), HealthHealthy, 1, false},
	}
	for i, s := range steps {
		changed := h.Record(hc, s.r, start)
		if h.Status != s.status || h.FailingStreak != s.streak || changed != s.changed {
			t.Errorf("step %d: %s streak %d changed %v; want %s %d %v", i, h.Status, h.FailingStreak, changed, s.status, s.streak, s.changed)
		}
	}
	if len(h.Log) != healthLogEntries || !h.Log[0].Start.Equal(at(2, 0).Start) {
		t.Errorf("log: %d entries from %v", len(h.Log), h.Log[0].Start)
	}
	// A success within the start period ends it: failures count from then.
	h = &Health{Status: HealthStarting}
	h.Record(hc, at(1, 0), start)
	h.Record(hc, at(2, 1), start)
	if h.FailingStreak != 1 {
		t.Errorf("after a success in the start period: streak %d, want 1", h.FailingStreak)
	}
}

func TestHealthStopped(t *testing.T) {
	var none *Health
	none.Stopped() // no healthcheck: nothing to do
	h := &Health{Status: HealthHealthy}
	h.Stopped()
	if h.Status != HealthUnhealthy {
		t.Errorf("stopped probes: %s, want unhealthy (Docker's CloseMonitorChannel)", h.Status)
	}
}

// Package phase logs, at debug level, how long each part of a build step
// took, as the engine's own marks do: `berth --log-level debug build`
// shows where a COPY's or a RUN's time goes.
package phase

import (
	"context"
	"log/slog"
	"time"
)

// Timer marks the parts of one step.
type Timer struct {
	step string
	last time.Time
	on   bool
}

// New starts the timer of step; it logs nothing unless debug is on.
func New(step string) *Timer {
	return &Timer{step: step, last: time.Now(), on: slog.Default().Enabled(context.Background(), slog.LevelDebug)}
}

// Mark logs the time since the last mark as part's.
func (t *Timer) Mark(part string) {
	if !t.on {
		return
	}
	now := time.Now()
	slog.Debug("build", "step", t.step, "part", part, "took", now.Sub(t.last).String())
	t.last = now
}

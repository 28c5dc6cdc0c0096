package core

import (
	"context"
	"log/slog"
	"time"
)

// phases logs, at debug level, how long each step of a command took, as
// runtime/container's own do: `berth --log-level debug run --rm ...` shows
// where a run's time goes, the runtime's steps among the engine's.
type phases struct {
	last time.Time
	on   bool
}

func newPhases() *phases {
	return &phases{last: time.Now(), on: slog.Default().Enabled(context.Background(), slog.LevelDebug)}
}

func (p *phases) mark(step string) {
	if p == nil || !p.on {
		return
	}
	now := time.Now()
	slog.Debug("engine", "step", step, "took", now.Sub(p.last).String())
	p.last = now
}

// Mark logs, at debug level, the time the step just done took.
func (c *Core) Mark(step string) { c.ph.mark(step) }

package builder

import (
	"context"
	"log/slog"
	"time"
)

// phases logs, at debug level, how long each part of a step took, as the
// engine's own marks do: `berth --log-level debug build` shows where a
// COPY's time goes (context sums, layer tar, image write).
type phases struct {
	step string
	last time.Time
	on   bool
}

func newPhases(step string) *phases {
	return &phases{step: step, last: time.Now(), on: slog.Default().Enabled(context.Background(), slog.LevelDebug)}
}

func (p *phases) mark(part string) {
	if !p.on {
		return
	}
	now := time.Now()
	slog.Debug("build", "step", p.step, "part", part, "took", now.Sub(p.last).String())
	p.last = now
}

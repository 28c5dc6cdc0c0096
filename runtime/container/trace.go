package container

import (
	"context"
	"log/slog"
	"time"
)

// phases logs, at debug level, how long each step of a lifecycle command
// took: `berth-runtime --debug run ...` shows where a container's time goes.
type phases struct {
	what string
	last time.Time
	on   bool
}

func newPhases(what string) *phases {
	return &phases{what: what, last: time.Now(), on: slog.Default().Enabled(context.Background(), slog.LevelDebug)}
}

func (p *phases) mark(step string) {
	if !p.on {
		return
	}
	now := time.Now()
	slog.Debug(p.what, "step", step, "took", now.Sub(p.last).String())
	p.last = now
}

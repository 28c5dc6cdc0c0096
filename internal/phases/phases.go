// Package phases logs, at debug level, how long each step of a command
// took: `berth-runtime --debug run ...` and `berth --log-level debug run`
// show where a container's time goes, the runtime's steps among the
// engine's. It is the one such timer; runtime/container, engine/core and
// builder's steps all use it.
package phases

import (
	"context"
	"log/slog"
	"time"
)

// Timer times the steps of one command, named what in the log.
type Timer struct {
	what string
	last time.Time
	on   bool
}

// New starts timing command what. Whether debug logging is on is read once
// here, so a Mark with it off costs a branch.
func New(what string) *Timer {
	return &Timer{what: what, last: time.Now(), on: slog.Default().Enabled(context.Background(), slog.LevelDebug)}
}

// Mark logs the time since the last mark (or New) as step's. A nil Timer
// logs nothing, so a zero value of a struct holding one works.
func (t *Timer) Mark(step string) {
	if t == nil || !t.on {
		return
	}
	now := time.Now()
	slog.Debug(t.what, "step", step, "took", now.Sub(t.last).String())
	t.last = now
}

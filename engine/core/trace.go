package core

// Mark logs, at debug level, the time the step just done took:
// `berth --log-level debug run --rm ...` shows where a run's time goes,
// the runtime's steps (internal/phases too) among the engine's.
func (c *Core) Mark(step string) { c.ph.Mark(step) }

// Package runner runs a container: one run creates and starts it through
// its runtime, copies its output into the json-file log (and to an
// attached caller), follows it and cleans up after its exit; Supervise
// repeats runs as the restart policy says (engine/monitor's Supervisor).
// The monitor process (Main, spawned by SpawnMonitor) runs a detached
// container this way and hands a quiet one to its C idle loop; a
// foreground `berth run` is its own monitor (Supervise with its Stdio).
package runner

import (
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/monitor"
	"github.com/berth-containers/berth/engine/record"
)

// ops is the core seen as a container's runs.
type ops struct{ c *core.Core }

// Supervise runs the container until it exits for good: report is called
// once, after the first start or its failure. It returns the last run's
// exit code.
func Supervise(c *core.Core, ctr *record.Container, stdio *core.Stdio, report func(monitor.Report)) int {
	return ops{c}.supervise(ctr, stdio, report).code
}

// SpawnMonitor starts the container's monitor process and waits for its
// report of the first start.
func SpawnMonitor(c *core.Core, ctr *record.Container) error { return ops{c}.spawnMonitor(ctr) }

// ReportErr is the start failure a monitor's report says, typed as it was
// in the monitor.
func ReportErr(r monitor.Report) error { return reportErr(r) }

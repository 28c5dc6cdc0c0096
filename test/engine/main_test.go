// Package engine_test runs the berth CLI against real containers: their
// lifecycle, processes, signals, monitor, healthchecks, events and
// limits. Every test gets an engine root and runroot of its own, and the
// suite ends with testutil's leak check (mounts, cgroups, processes).
// Beside it: options (flags, inspect and Docker's defaults), storage (cp,
// commit, diff, prune, logs, build) and network (bridges, ports, DNS).
package engine_test

import (
	"os"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.EngineMain(m)) }

// env is one engine of the test's own (testutil.Engine); the tests' own
// helpers are its methods.
type env struct{ *testutil.Engine }

func newEnv(t *testing.T) *env { return &env{testutil.NewEngine(t)} }

// Package network_test runs berth's networks against real containers:
// bridges, published ports, DNS and the per-root responder.
package network_test

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

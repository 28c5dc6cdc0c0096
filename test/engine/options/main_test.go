// Package options_test runs berth's flags against real containers and
// compares inspect and the defaults with Docker's.
package options_test

import (
	"os"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) {
	if os.Getenv(probeEnv) != "" { // perm_test.go: as an unprivileged user
		os.Exit(permProbe(os.Args[1:]))
	}
	os.Exit(testutil.EngineMain(m))
}

// env is one engine of the test's own (testutil.Engine); the tests' own
// helpers are its methods.
type env struct{ *testutil.Engine }

func newEnv(t *testing.T) *env { return &env{testutil.NewEngine(t)} }

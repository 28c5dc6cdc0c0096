// Package storage_test runs what berth does to a container's files and
// images: cp, commit, diff, prune, log rotation and build.
package storage_test

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

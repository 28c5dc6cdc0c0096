// Package exec_test is berth-runtime's `exec` against runc's command line:
// what the exec'd process joins and is given, its flags and process.json,
// and the two paths that set it up (C in runtime/nsenter/execve.c, Go in
// runtime/initproc), which must give the same process.
package exec_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

// setup is the usual start of a test: the runtime and a fresh bundle.
func setup(t *testing.T) (*testutil.Runtime, *testutil.Bundle) { return testutil.Setup(t) }

func itoa(n int) string { return strconv.Itoa(n) }

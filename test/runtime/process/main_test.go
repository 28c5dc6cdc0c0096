// Package process_test is what berth-runtime gives a container's process
// between the runtime and the program's execve, against runc's behaviour:
// the CPU affinity (not the runtime's), the fds (only its own), its working
// directory and exec fifo as a user without root's access, and warnings
// about capabilities it cannot have.
package process_test

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

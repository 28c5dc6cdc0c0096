// Package checkpoint_test checks berth-runtime's checkpoint and restore
// through CRIU as runc's checkpoint.bats does: a full dump and restore,
// --leave-running, --pre-dump with --parent-path, --lazy-pages with a page
// server, a joined network namespace, a terminal, and bad input. CRIU 3.17
// fails `criu check` on this project's hosts (the vDSO), so `make test`
// runs this package in the VM (test/vm); on a host where criu check fails,
// each test checks that checkpoint says so in one line and harms nothing.
package checkpoint_test

import (
	"os"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

func setup(t *testing.T) (*testutil.Runtime, *testutil.Bundle) { return testutil.Setup(t) }

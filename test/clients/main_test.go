// Package clients_test runs unmodified container tools (containerd's ctr,
// podman with conmon, Docker) on top of the runtime under test, as issue 5
// asks: the proof that berth-runtime is a drop-in for runc.
//
// Each client gets one private daemon (or, for podman, private storage and
// configuration) under a temp dir, started by its Test function and stopped
// by its cleanup, even when a subtest fails. Run the suite against runc
// first to check the tests themselves:
//
//	BERTH_TEST_RUNTIME=$(which runc) go test ./test/clients/
//
// Without BERTH_TEST_RUNTIME the tests build and use bin/berth-runtime.
package clients_test

import (
	"os"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) { os.Exit(testutil.Main(m)) }

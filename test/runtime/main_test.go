// Package runtime_test is berth-runtime's integration suite, written against
// runc's command line: every test runs real containers of a busybox rootfs
// and checks effects from inside them. BERTH_TEST_RUNTIME=runc (or crun)
// runs the same suite against another runtime, which is how the tests
// themselves are checked.
package runtime_test

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

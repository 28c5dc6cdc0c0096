package security_test

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

// Package compat_test runs the same everyday commands through berth and
// through Docker (Debian's dockerd 20.10 and its CLI, a private daemon
// started by the test) on the same busybox image, and diffs what each
// printed and its exit code, after normalising what must differ (IDs,
// times, sizes, paths of each side's temp dirs).
//
// A difference fails the test unless known.go lists it with its reason; a
// listed difference that no longer shows fails it too, so the list stays
// true. The README's "Differences from Docker" is the same list in prose.
//
//	go test -count=1 -run TestCompat ./test/compat/
//	COMPAT_ONLY=err/ go test ...   # only the scenarios whose name has err/
package compat_test

import (
	"os"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) {
	// berth's default bridge network is only for scenarios inside the
	// host: they need no forwarding.
	os.Setenv("BERTH_SKIP_IP_FORWARD", "1")
	os.Exit(testutil.Main(m))
}

package overlay

import (
	"testing"

	"github.com/berth-containers/berth/snapshot"
	"github.com/berth-containers/berth/snapshot/testsuite"
)

func TestOverlaySuite(t *testing.T) {
	testsuite.Run(t, func(t *testing.T, root string) snapshot.Snapshotter {
		sn, err := New(root)
		if err != nil {
			t.Fatal(err)
		}
		return sn
	})
}

package builder

import (
	"runtime"
	"testing"
)

// TestParallelism: BERTH_BUILD_PARALLELISM's value when set, else the
// CPUs, at least 2.
func TestParallelism(t *testing.T) {
	for _, c := range []struct{ n, want int }{{0, max(2, runtime.NumCPU())}, {1, 1}, {3, 3}} {
		if got := parallelism(c.n); got != c.want {
			t.Errorf("parallelism(%d) = %d, want %d", c.n, got, c.want)
		}
	}
}

package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

// A berth command allocates a few MB and exits: `berth run --rm` about
// 2-3 MB, just under the 4 MB heap goal at which the Go runtime collects
// for the first time. That first collection costs 1-5 ms of CPU on this
// 2-core machine (stop-the-world phases, a mark worker, the sweep), which
// is more than everything else a small change adds: Docker's default
// seccomp profile (about 100 KB more garbage) measured +4.9 ms CPU per run
// only because it pushed the run over that line (bench/seccomp; with
// GOGC=off the difference is under 1 ms). So, as the Go compiler does
// (cmd/compile's AdjustStartingHeap), the first goal is 16 MB, and after
// the first collection the usual GOGC=100 applies: a command that grows
// (pull, build, a long attach) keeps Go's normal 2x of its live heap.
// A GOGC of the user's own is left alone. The processes reexec routes
// (monitor, init, DNS) start before this and keep the defaults.
const startingGCPercent = 400

func adjustStartingHeap() {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	debug.SetGCPercent(startingGCPercent)
	// A pointer field keeps the sentinel out of the tiny allocator, whose
	// objects may never be finalized.
	sentinel := &struct{ _ *byte }{}
	runtime.SetFinalizer(sentinel, func(*struct{ _ *byte }) { debug.SetGCPercent(100) })
}

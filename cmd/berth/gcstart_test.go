package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestAdjustStartingHeap: the first goal is raised, and the first
// collection brings GOGC back to 100.
func TestAdjustStartingHeap(t *testing.T) {
	if _, set := os.LookupEnv("GOGC"); set {
		t.Setenv("GOGC", "") // t.Setenv restores it; Unsetenv makes the default apply
		os.Unsetenv("GOGC")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	adjustStartingHeap()
	if got := debug.SetGCPercent(startingGCPercent); got != startingGCPercent {
		t.Fatalf("GOGC after adjustStartingHeap = %d, want %d", got, startingGCPercent)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC() // the finalizer runs on its own goroutine after a cycle
		time.Sleep(10 * time.Millisecond)
		got := debug.SetGCPercent(100)
		if got == 100 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("GOGC still %d after collections, want 100", got)
		}
		debug.SetGCPercent(got)
	}
}

package api_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// rss is a process's resident set in KiB, from /proc/PID/smaps_rollup.
func rss(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "Rss:" {
			n, err := strconv.Atoi(f[1])
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no Rss in smaps_rollup of %d", pid)
	return 0
}

// TestIdleRSS: the idle service stays under 15 MiB, once started and
// again after it has served requests and been idle (it gives back what
// starting and the requests touched).
func TestIdleRSS(t *testing.T) {
	const limit = 15 << 10 // KiB
	// The suite has just built berth: its pages are dirty in the page
	// cache, which the kernel cannot drop until written. An installed
	// binary is on disk; so is this one once synced.
	bin, err := testutil.BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(bin); err == nil {
		f.Sync()
		f.Close()
	}
	s := startService(t)
	pid := s.cmd.Process.Pid
	// settled polls: on a loaded host the service may take a moment to
	// give its start's pages back after it listens.
	settled := func(d time.Duration) int {
		var kb int
		testutil.WaitFor(d, func() bool { kb = rss(t, pid); return kb <= limit })
		return kb
	}
	if kb := settled(5 * time.Second); kb > limit {
		t.Errorf("idle service after start: RSS %d KiB, want at most %d", kb, limit)
	} else {
		t.Logf("idle RSS after start: %d KiB", kb)
	}
	for i := 0; i < 3; i++ {
		s.must(t, "ps", "-a")
		s.must(t, "images")
		s.must(t, "info")
	}
	busy := rss(t, pid)
	time.Sleep(10 * time.Second) // the service waits 10 s without a request
	if kb := settled(5 * time.Second); kb > limit {
		t.Errorf("idle service after requests: RSS %d KiB (%d while serving), want at most %d", kb, busy, limit)
	} else {
		t.Logf("idle RSS after requests: %d KiB (%d while serving)", kb, busy)
	}
}

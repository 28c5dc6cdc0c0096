package reaper

import (
	"os/exec"
	"sync"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWaitConcurrent: two Forwarders of one process wait for their own
// children at once; whichever reaps the other's exit keeps it for it.
func TestWaitConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i, script := range []string{"sleep 0.2; exit 3", "exit 4", "sleep 0.1; exit 5"} {
		f := NewForwarder()
		f.Ready()
		cmd := exec.Command("/bin/sh", "-c", script)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer f.Stop()
			ex, err := f.Wait(cmd.Process.Pid)
			if err != nil || int(ex) != 3+i {
				t.Errorf("%q: exit %d, %v; want %d", script, ex, err, 3+i)
			}
		}()
	}
	wg.Wait()
}

func TestExitOf(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want Exit
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"kill -9 $$", 137},
		{"kill -15 $$", 143},
	} {
		cmd := exec.Command("/bin/sh", "-c", tc.cmd)
		// Non-zero exits are the cases: the status is checked below.
		_ = cmd.Run()
		ws := unix.WaitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus))
		if got := exitOf(ws); got != tc.want {
			t.Errorf("%s: exit %d, want %d", tc.cmd, got, tc.want)
		}
	}
}

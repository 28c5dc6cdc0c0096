package reaper

import (
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

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

// TestWaitBesideLongRun: short children exit one after another while
// another Forwarder waits for a long one; each short Wait returns at its
// child's exit, not at the long one's (a reap that looked in the book
// while the other Forwarder had waited for its child but not yet kept it
// missed the exit until the next SIGCHLD).
func TestWaitBesideLongRun(t *testing.T) {
	long := NewForwarder()
	long.Ready()
	defer long.Stop()
	cmd := exec.Command("/bin/sh", "-c", "exec sleep 60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	longDone := make(chan Exit, 1)
	go func() {
		ex, _ := long.Wait(cmd.Process.Pid)
		longDone <- ex
	}()
	defer func() {
		if err := cmd.Process.Kill(); err != nil {
			t.Errorf("kill the long child: %v", err)
		}
		if ex := <-longDone; ex != 128+9 {
			t.Errorf("the long child: exit %d, want 137", ex)
		}
	}()
	for i := 0; i < 100; i++ {
		f := NewForwarder()
		f.Ready()
		c := exec.Command("/bin/sh", "-c", "exit 6")
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan Exit, 1)
		go func() {
			ex, _ := f.Wait(c.Process.Pid)
			done <- ex
		}()
		select {
		case ex := <-done:
			if ex != 6 {
				t.Fatalf("short child %d: exit %d, want 6", i, ex)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("short child %d: its Wait did not see its exit within 10s", i)
		}
		f.Stop()
	}
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

package proc

import (
	"os"
	"os/exec"
	"testing"
	"time"
)

func TestStartTimeAndAlive(t *testing.T) {
	cmd := exec.Command("sleep", "10")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	start, state, err := StartTime(pid)
	if err != nil || start == 0 || state == 'Z' {
		t.Fatalf("StartTime(%d) = %d, %c, %v", pid, start, state, err)
	}
	if !Alive(pid, start) {
		t.Error("running process reported dead")
	}
	if Alive(pid, start+1) {
		t.Error("another start time reported alive: pid reuse not caught")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if _, s, _ := StartTime(pid); s == 'Z' {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if Alive(pid, start) {
		t.Error("zombie reported alive")
	}
	_ = cmd.Wait() // the kill is its error
	if Alive(pid, start) {
		t.Error("reaped process reported alive")
	}
	if _, _, err := StartTime(-1); err == nil {
		t.Error("StartTime(-1) succeeded")
	}
	if self, _, err := StartTime(os.Getpid()); err != nil || self == 0 {
		t.Errorf("StartTime(self) = %d, %v", self, err)
	}
}

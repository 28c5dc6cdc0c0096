package execproc

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/proc"
)

// TestExecRefused: exec in a container that cannot take a process fails
// with exit code 125 and Docker's wording before it reaches the runtime.
func TestExecRefused(t *testing.T) {
	c := core.New(t.TempDir(), t.TempDir(), nil, nil)
	start, _, err := proc.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct{ name, status string }{
		{"paused", record.StatusPaused},
		{"created", record.StatusCreated},
		{"exited", record.StatusExited},
	} {
		rec := &record.Container{ID: r.name + strings.Repeat("0", 64-len(r.name)), Name: r.name, Created: time.Now().UTC()}
		rec.State.Status = r.status
		if r.status == record.StatusPaused {
			rec.State.Pid, rec.State.PidStart = os.Getpid(), start // alive: stays paused
		}
		if err := c.Records.Insert(rec); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		ref, want string
		state     bool
	}{
		{"paused", "container paused is paused, unpause the container before exec", true},
		{"created", "is not running", true},
		{"exited", "is not running", true},
		{"nosuch", "nosuch", false},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			code, err := Exec(c, tc.ref, Options{Cmd: []string{"true"}}, core.Stdio{})
			if code != 125 || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("exec = %d, %v; want 125 and %q", code, err, tc.want)
			}
			var se *errdefs.StateError
			if errors.As(err, &se) != tc.state {
				t.Errorf("err %T: state error %v, want %v", err, !tc.state, tc.state)
			}
		})
	}
}

// TestHasEnv: a variable is set only by a KEY= entry, not one whose name
// merely starts with KEY.
func TestHasEnv(t *testing.T) {
	env := []string{"PATH=/bin", "TERMINAL=x", "EMPTY="}
	for key, want := range map[string]bool{"PATH": true, "TERM": false, "EMPTY": true, "TERMINAL": true, "": false} {
		if got := hasEnv(env, key); got != want {
			t.Errorf("hasEnv(%q) = %v, want %v", key, got, want)
		}
	}
}

// TestWaitMainUsage: the waiter started with the wrong arguments says so
// and exits 2, before it touches fd 3.
func TestWaitMainUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"a", "b", "c"}, {"a", "b", "c", "d", "e"}} {
		if code := WaitMain(args); code != 2 {
			t.Errorf("WaitMain(%q) = %d, want 2", args, code)
		}
	}
}

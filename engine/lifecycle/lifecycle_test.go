package lifecycle

import (
	"context"
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

// newCore is a core on temp roots holding one record per status: a
// "running" and a "paused" one whose init is this test process (alive, so
// Refresh keeps the status), a created one and one that exited with 3.
func newCore(t *testing.T) *core.Core {
	t.Helper()
	c := core.New(t.TempDir(), t.TempDir(), nil, nil)
	start, _, err := proc.StartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []struct {
		name, status string
		pid          int
		exit         int
	}{
		{"run", record.StatusRunning, os.Getpid(), 0},
		{"paused", record.StatusPaused, os.Getpid(), 0},
		{"created", record.StatusCreated, 0, 0},
		{"exited", record.StatusExited, 0, 3},
	} {
		rec := &record.Container{ID: r.name + strings.Repeat("0", 64-len(r.name)), Name: r.name, Created: time.Now().UTC()}
		rec.State.Status, rec.State.ExitCode = r.status, r.exit
		if r.pid != 0 {
			rec.State.Pid, rec.State.PidStart = r.pid, start
		}
		if err := c.Records.Insert(rec); err != nil {
			t.Fatalf("insert %s: %v", r.name, err)
		}
	}
	return c
}

// TestStateErrors: each step refuses a container in the wrong state with
// Docker's wording and a state error (the API's 409), before it touches
// any process.
func TestStateErrors(t *testing.T) {
	c := newCore(t)
	for _, tc := range []struct {
		name string
		do   func() error
		want string
	}{
		{"kill created", func() error { _, err := Kill(c, "created", 0); return err }, "is not running"},
		{"kill exited", func() error { _, err := Kill(c, "exited", 9); return err }, "is not running"},
		{"pause paused", func() error { return Pause(c, "paused") }, "is already paused"},
		{"pause created", func() error { return Pause(c, "created") }, "is not running"},
		{"unpause running", func() error { return Unpause(c, "run") }, "is not paused"},
		{"unpause exited", func() error { return Unpause(c, "exited") }, "is not paused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one saying %q", err, tc.want)
			}
			var se *errdefs.StateError
			if !errors.As(err, &se) {
				t.Errorf("err = %T %v, want an *errdefs.StateError", err, err)
			}
		})
	}
}

// TestRemoveRunningNeedsForce: rm of a running (or paused) container
// without -f says how to go on and leaves the record.
func TestRemoveRunningNeedsForce(t *testing.T) {
	c := newCore(t)
	for _, ref := range []string{"run", "paused"} {
		err := Remove(context.Background(), c, ref, RemoveOptions{})
		if err == nil || !strings.Contains(err.Error(), `cannot remove container "/`+ref+`"`) || !strings.Contains(err.Error(), "force remove") {
			t.Errorf("rm %s: err = %v", ref, err)
		}
		if _, err := c.Records.Get(ref); err != nil {
			t.Errorf("rm %s without -f removed the record: %v", ref, err)
		}
	}
}

// TestStopNotRunning: stopping a container that does not run returns its
// record as it is and records no stop request.
func TestStopNotRunning(t *testing.T) {
	c := newCore(t)
	for _, ref := range []string{"created", "exited"} {
		got, err := Stop(c, ref, 1)
		if err != nil {
			t.Fatalf("stop %s: %v", ref, err)
		}
		if got.Name != ref || got.State.StopRequested {
			t.Errorf("stop %s = %s stopRequested=%v", ref, got.Name, got.State.StopRequested)
		}
	}
}

// TestWait: wait on an exited container returns its exit code at once;
// on a running one it ends with the context; on nothing it fails.
func TestWait(t *testing.T) {
	c := newCore(t)
	if code, err := Wait(context.Background(), c, "exited"); err != nil || code != 3 {
		t.Errorf("wait exited = %d, %v; want 3", code, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Wait(ctx, c, "run"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait running: err = %v, want the context's", err)
	}
	if _, err := Wait(context.Background(), c, "nosuch"); err == nil {
		t.Error("wait nosuch: no error")
	}
}

// TestMarkStopped: the stop request is recorded, so the monitor does not
// restart the container; a missing record is an error naming the ID.
func TestMarkStopped(t *testing.T) {
	c := newCore(t)
	r, err := c.Records.Get("exited")
	if err != nil {
		t.Fatal(err)
	}
	if err := (ops{c}).markStopped(r.ID); err != nil {
		t.Fatal(err)
	}
	if r, _ = c.Records.Get(r.ID); !r.State.StopRequested {
		t.Error("stop request not recorded")
	}
	if err := (ops{c}).markStopped("nosuch"); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("markStopped(nosuch) = %v", err)
	}
}

// TestLockContainer: the start lock is a flock of the container's
// directory: taken again once released, an error without the directory.
func TestLockContainer(t *testing.T) {
	c := newCore(t)
	if _, err := (ops{c}).lockContainer("nodir"); err == nil || !strings.Contains(err.Error(), "lock container nodir") {
		t.Fatalf("lock without a directory: %v", err)
	}
	if err := c.MakeContainerDir("x"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		unlock, err := (ops{c}).lockContainer("x")
		if err != nil {
			t.Fatalf("lock %d: %v", i, err)
		}
		unlock()
	}
}

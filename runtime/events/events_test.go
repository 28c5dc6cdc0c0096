package events

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/cgroups/oom"
)

func source(alive func() bool) Source {
	return Source{
		ID:       "c1",
		Stats:    func() (*cgroups.Stats, error) { return &cgroups.Stats{}, nil },
		Alive:    alive,
		WatchOOM: func() (*oom.Watch, error) { return nil, errors.New("no memory controller") },
	}
}

// TestStreamEndsWithInit: stats come until the init is gone, then the
// stream ends without error, even with no OOM watch.
func TestStreamEndsWithInit(t *testing.T) {
	var got atomic.Int32
	src := source(func() bool { return got.Load() == 0 })
	err := Stream(src, time.Millisecond, func(e Event) error {
		if e.Type != "stats" || e.ID != "c1" || e.Data == nil {
			t.Errorf("event %+v", e)
		}
		got.Add(1)
		return nil
	})
	if err != nil || got.Load() == 0 {
		t.Errorf("Stream = %v after %d events; want nil after some", err, got.Load())
	}
}

// TestStreamEmitError: a failing emit ends the stream with its error.
func TestStreamEmitError(t *testing.T) {
	boom := errors.New("boom")
	err := Stream(source(func() bool { return true }), time.Millisecond, func(Event) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("Stream = %v, want %v", err, boom)
	}
}

// Package events is a container's `events` stream, as runc prints it:
// its cgroup's stats at an interval and its OOM kills as they happen,
// until its init exits.
package events

import (
	"log/slog"
	"time"

	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/cgroups/oom"
)

// Event is one line of `events` output, as runc prints it: type "stats"
// with the figures in data, or type "oom".
type Event struct {
	Type string         `json:"type"`
	ID   string         `json:"id"`
	Data *cgroups.Stats `json:"data,omitempty"`
}

// Source is the container a stream is of.
type Source struct {
	ID string
	// Stats reads the container's cgroup; it fails once the container
	// stopped, which ends the stream.
	Stats func() (*cgroups.Stats, error)
	// Alive says whether the container's init still runs: polled, since a
	// v1 cgroup says nothing when it empties.
	Alive func() bool
	// WatchOOM starts watching for OOM kills; without it the stream has
	// stats only.
	WatchOOM func() (*oom.Watch, error)
}

// Stream calls emit with a stats event every interval (none if interval
// is 0) and an oom event each time the OOM killer strikes in src, until
// src stops or emit fails.
func Stream(src Source, interval time.Duration, emit func(Event) error) error {
	var oom <-chan struct{}
	if w, err := src.WatchOOM(); err != nil {
		// Stats are still worth having without OOM events.
		slog.Warn("no oom events for this container", "id", src.ID, "err", err)
	} else {
		defer func() {
			if err := w.Close(); err != nil {
				slog.Warn("stop watching oom events", "id", src.ID, "err", err)
			}
		}()
		oom = w.C
	}
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	// The init is polled for its exit: a cgroup says nothing when it empties
	// on v1.
	alive := time.NewTicker(100 * time.Millisecond)
	defer alive.Stop()
	for {
		select {
		case _, ok := <-oom:
			if !ok {
				oom = nil
				continue
			}
			if err := emit(Event{Type: "oom", ID: src.ID}); err != nil {
				return err
			}
		case <-tick:
			s, err := src.Stats()
			if err != nil {
				return nil // stopped in between
			}
			if err := emit(Event{Type: "stats", ID: src.ID, Data: s}); err != nil {
				return err
			}
		case <-alive.C:
			if src.Alive() {
				continue
			}
			// The OOM kill that ended it may still be on its way.
			grace := time.After(100 * time.Millisecond)
			for {
				select {
				case _, ok := <-oom:
					if !ok {
						return nil
					}
					if err := emit(Event{Type: "oom", ID: src.ID}); err != nil {
						return err
					}
				case <-grace:
					return nil
				}
			}
		}
	}
}

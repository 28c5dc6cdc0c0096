package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// trimAfter is how long the service waits without a request before it
// gives memory back.
const trimAfter = 10 * time.Second

// Serve answers on l until ctx ends (SIGTERM) or, with idle > 0, until no
// request has come for idle; it then closes l (removing the socket it
// made). Containers run on: their monitors are not the service's.
func (s *Server) Serve(ctx context.Context, l *Listener, idle time.Duration) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 30 * time.Second}
	stop := make(chan struct{})
	defer close(stop)
	go reapMonitors(stop)
	done := make(chan error, 1)
	go func() { done <- hs.Serve(l) }()
	var tick <-chan time.Time
	if idle > 0 {
		t := time.NewTicker(min(idle/4+time.Millisecond, time.Second))
		defer t.Stop()
		tick = t.C
	}
	// Once requests have stopped for a while, what they faulted in and
	// allocated is given back, as at the start (ReleaseStartup).
	trim := time.NewTicker(time.Second)
	defer trim.Stop()
	var trimmed time.Time
	var err error
loop:
	for {
		select {
		case err = <-done:
			break loop
		case <-ctx.Done():
			slog.Info("berth service stopping", "reason", "signal")
			break loop
		case <-trim.C:
			if last := s.lastRequest(); last.After(trimmed) && s.Idle() >= trimAfter {
				ReleaseStartup()
				trimmed = last
			}
		case <-tick:
			if s.Idle() >= idle {
				slog.Info("berth service stopping", "reason", "idle", "after", idle)
				break loop
			}
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hs.Shutdown(sctx)
	cerr := l.Close()
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		err = cerr
	}
	return err
}

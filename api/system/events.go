package system

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/internal/eventlog"
	"github.com/berth-containers/berth/internal/filters"
)

// RegisterEvents adds the /events routes to r.
func RegisterEvents(r *router.Router) {
	s := &systemAPI{r}
	s.Handle("GET /events", s.events)
}

// events streams the event log as dockerd's /events: one JSON message a
// line, flushed as each comes, until `until` passes or the client goes.
// The clients send since and until as unix seconds with a fraction.
func (s *systemAPI) events(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var o eventlog.ReadOptions
	now := time.Now()
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"since", &o.Since}, {"until", &o.Until}} {
		v := q.Get(t.name)
		if v == "" {
			continue
		}
		tm, err := eventlog.ParseTime(v, now)
		if err != nil {
			return router.BadRequest("invalid value for %s: %v", t.name, err)
		}
		*t.dst = tm
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && o.Since.After(o.Until) {
		return router.BadRequest("`since` time (%s) cannot be after `until` (%s)", q.Get("since"), q.Get("until"))
	}
	args, err := router.FilterArgs(q.Get("filters"))
	if err != nil {
		return err
	}
	// The CLI's parser and keys: an unknown key is a 400, as dockerd's.
	parsed, err := filters.Set{Keys: eventlog.FilterKeys}.Parse(args)
	if err != nil {
		return router.BadRequest("%v", err)
	}
	f := eventlog.Filter(parsed)
	o.Follow = o.Until.IsZero() || o.Until.After(now)
	o.Done = r.Context().Done()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush() // the client waits for the headers before it reads
	}
	enc := json.NewEncoder(w)
	gone := false
	err = eventlog.Open(s.Opts.Root).Read(o, func(ev eventlog.Event) error {
		if !f.Match(ev) {
			return nil
		}
		if err := enc.Encode(ev.Message()); err != nil {
			gone = true
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	})
	// The status is sent: a failed read can only end the stream, and a
	// client that went away is no error of the service's.
	if err != nil && !gone {
		slog.Warn("events stream", "err", err)
	}
	return nil
}

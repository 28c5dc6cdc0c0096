package engine

import (
	"io"
	"time"

	"github.com/berth-containers/berth/engine/jsonlog"
	"github.com/berth-containers/berth/engine/record"
)

// LogsOptions are the flags of logs.
type LogsOptions struct {
	Follow     bool
	Tail       int // <0: all
	Since      time.Time
	Until      time.Time
	Timestamps bool
	Details    bool            // the line's attributes first, as Docker's --details (berth keeps none: a space)
	Done       <-chan struct{} // ends a follow early (start -a detached)
}

// Logs writes a container's log to stdout and stderr, each line to the
// stream it came from. With Follow it goes on until the container stops.
func (e *Engine) Logs(ref string, o LogsOptions, stdout, stderr io.Writer) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	path := e.c.LogPath(c.ID)
	v := jsonlog.View{Tail: o.Tail, Since: o.Since, Until: o.Until, Timestamps: o.Timestamps, Details: o.Details}
	// The first failed write (a reader gone) ends the logs with its error.
	var werr error
	emit := func(ent jsonlog.Entry) {
		if werr != nil || !v.Shows(ent) {
			return
		}
		w := stdout
		if ent.Stream == "stderr" {
			w = stderr
		}
		_, werr = io.WriteString(w, v.Line(ent))
	}
	var entries []jsonlog.Entry
	fl := jsonlog.Read(path, func(ent jsonlog.Entry) { entries = append(entries, ent) })
	defer fl.Close()
	for _, ent := range v.Last(entries) {
		emit(ent)
	}
	if !o.Follow || werr != nil {
		return werr
	}
	inferred := false // the last look took the monitor for a killed one
	for {
		if werr != nil {
			return werr
		}
		if v.Ended(time.Now()) {
			return nil
		}
		if fl.Poll(emit) {
			continue // more may be there already: a fast writer rotates
		}
		c, err := e.Get(c.ID)
		stopped := err != nil || !c.Running() && c.State.Status != record.StatusRestarting
		// An exit the monitor recorded comes after its last log line (it
		// drains the pipes first). One Refresh inferred from /proc does
		// not: a monitor seen neither alive nor done for an instant (its
		// exec between Go and the C idle loop) is still to log what the
		// container wrote, and following ended there showed start -a
		// nothing of an "echo up" whose log held "up" (issue 19). Such an
		// exit ends the follow only when the next look, a tick later,
		// still infers it: a monitor really killed.
		if stopped && err == nil && c.MonitorKilled() && !inferred {
			stopped, inferred = false, true
		} else if !stopped {
			inferred = false
		}
		if stopped {
			fl.Poll(emit) // what was written before it stopped
			return werr
		}
		select {
		case <-o.Done:
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

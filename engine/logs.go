package engine

import (
	"io"
	"time"

	"github.com/berth-containers/berth/engine/jsonlog"
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

// TimestampFormat is Docker's log timestamp: always nine fraction digits,
// so the lines sort and cut by column.
const TimestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Logs writes a container's log to stdout and stderr, each line to the
// stream it came from. With Follow it goes on until the container stops.
func (e *Engine) Logs(ref string, o LogsOptions, stdout, stderr io.Writer) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	path := e.dirs.logPath(c.ID)
	// The first failed write (a reader gone) ends the logs with its error.
	var werr error
	emit := func(ent jsonlog.Entry) {
		if werr != nil {
			return
		}
		if !o.Since.IsZero() && ent.Time.Before(o.Since) {
			return
		}
		if !o.Until.IsZero() && ent.Time.After(o.Until) {
			return
		}
		w := stdout
		if ent.Stream == "stderr" {
			w = stderr
		}
		line := ent.Log
		if o.Details {
			line = " " + line
		}
		if o.Timestamps {
			line = ent.Time.UTC().Format(TimestampFormat) + " " + line
		}
		_, werr = io.WriteString(w, line)
	}
	var entries []jsonlog.Entry
	fl := jsonlog.Read(path, func(ent jsonlog.Entry) { entries = append(entries, ent) })
	defer fl.Close()
	if o.Tail >= 0 && len(entries) > o.Tail {
		entries = entries[len(entries)-o.Tail:]
	}
	for _, ent := range entries {
		emit(ent)
	}
	if !o.Follow || werr != nil {
		return werr
	}
	for {
		if werr != nil {
			return werr
		}
		if !o.Until.IsZero() && time.Now().After(o.Until) {
			return nil
		}
		if fl.Poll(emit) {
			continue // more may be there already: a fast writer rotates
		}
		c, err := e.Get(c.ID)
		if err != nil || !c.Running() && c.State.Status != StatusRestarting {
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

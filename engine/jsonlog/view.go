package jsonlog

import "time"

// TimestampFormat is Docker's log timestamp: always nine fraction digits,
// so the lines sort and cut by column.
const TimestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// View is what `logs` shows of a log: which entries (the last Tail, those
// between Since and Until) and how it prints each.
type View struct {
	Tail       int // <0: all
	Since      time.Time
	Until      time.Time
	Timestamps bool
	Details    bool // the line's attributes first, as Docker's --details (berth keeps none: a space)
}

// Last is the entries Tail keeps of those read so far.
func (v View) Last(entries []Entry) []Entry {
	if v.Tail >= 0 && len(entries) > v.Tail {
		return entries[len(entries)-v.Tail:]
	}
	return entries
}

// Shows reports whether ent falls between Since and Until.
func (v View) Shows(ent Entry) bool {
	return (v.Since.IsZero() || !ent.Time.Before(v.Since)) && (v.Until.IsZero() || !ent.Time.After(v.Until))
}

// Ended reports whether a follow has passed Until at now.
func (v View) Ended(now time.Time) bool {
	return !v.Until.IsZero() && now.After(v.Until)
}

// Line is ent as logs prints it, its newline kept.
func (v View) Line(ent Entry) string {
	line := ent.Log
	if v.Details {
		line = " " + line
	}
	if v.Timestamps {
		line = ent.Time.UTC().Format(TimestampFormat) + " " + line
	}
	return line
}

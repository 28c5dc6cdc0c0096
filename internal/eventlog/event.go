// Package eventlog is berth's event log: what `berth events` reads. There
// is no daemon to hand events to, so whichever berth process causes an
// event (a command, or a container's monitor when it exits) appends it to
// a log under the data root, <root>/events/events.log, and readers follow
// the file.
//
// Many processes append at once. Each record is framed and written by one
// O_APPEND write, so records never interleave; the frame (magic, length,
// CRC-32C) lets a reader detect a record torn by a full disk, a crash or a
// truncation and skip to the next. No lock is held while writing; a lock
// is taken only to rotate, and only by the writer that found the file full.
package eventlog

import (
	"encoding/json"
	"time"
)

// Event types, as Docker's.
const (
	Container = "container"
	Image     = "image"
	Network   = "network"
	Volume    = "volume"
)

// Actor is what an event is about: its ID and attributes, as Docker's.
type Actor struct {
	ID         string
	Attributes map[string]string
}

// Event is one record of the log.
type Event struct {
	Type   string
	Action string
	Actor  Actor
	// Time is when it happened; Append sets it to now when zero.
	Time time.Time `json:"-"`
}

// Message is an event as Docker's API (20.10) gives it: the deprecated
// status, id and from beside Type, Action and Actor, for containers and
// images as dockerd fills them.
type Message struct {
	Status   string `json:"status,omitempty"`
	ID       string `json:"id,omitempty"`
	From     string `json:"from,omitempty"`
	Type     string
	Action   string
	Actor    Actor
	Scope    string `json:"scope"`
	Time     int64  `json:"time,omitempty"`
	TimeNano int64  `json:"timeNano,omitempty"`
}

// Message returns ev as Docker's API gives it.
func (ev Event) Message() Message {
	m := Message{Type: ev.Type, Action: ev.Action, Actor: ev.Actor, Scope: "local",
		Time: ev.Time.Unix(), TimeNano: ev.Time.UnixNano()}
	if m.Actor.Attributes == nil {
		m.Actor.Attributes = map[string]string{}
	}
	switch ev.Type {
	case Container:
		m.Status, m.ID, m.From = ev.Action, ev.Actor.ID, ev.Actor.Attributes["image"]
	case Image:
		m.Status, m.ID = ev.Action, ev.Actor.ID
	}
	return m
}

// payload is what a frame carries after its header (which has the time).
type payload struct {
	Type   string            `json:"t"`
	Action string            `json:"a"`
	ID     string            `json:"i"`
	Attrs  map[string]string `json:"at,omitempty"`
}

func (ev Event) marshal() ([]byte, error) {
	return json.Marshal(payload{ev.Type, ev.Action, ev.Actor.ID, ev.Actor.Attributes})
}

func unmarshal(b []byte, t int64) (Event, error) {
	var p payload
	if err := json.Unmarshal(b, &p); err != nil {
		return Event{}, err
	}
	return Event{Type: p.Type, Action: p.Action, Actor: Actor{ID: p.ID, Attributes: p.Attrs},
		Time: time.Unix(0, t)}, nil
}

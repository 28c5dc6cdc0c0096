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
	"encoding/binary"
	"errors"
	"strings"
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

// A frame's payload (after its header, which has the time) is the type,
// action, ID and attributes, each string a uvarint length and its bytes:
// decoding is slicing, which keeps a read of 100,000 events well under a
// second (JSON took twice as long as all the rest). Strings are made valid
// UTF-8 first, so only a length byte can be 0xff, and the magic would need
// it before a string of 12,671 bytes that starts "ev".
func (ev Event) marshal() ([]byte, error) {
	b := make([]byte, 0, 64+len(ev.Actor.ID))
	put := func(s string) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	put(ev.Type)
	put(ev.Action)
	put(ev.Actor.ID)
	b = binary.AppendUvarint(b, uint64(len(ev.Actor.Attributes)))
	for k, v := range ev.Actor.Attributes {
		put(k)
		put(v)
	}
	return b, nil
}

var errPayload = errors.New("event record: bad payload")

func unmarshal(b []byte, t int64) (Event, error) {
	bad := false
	get := func() string {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			bad, b = true, nil
			return ""
		}
		s := string(b[k : k+int(n)])
		b = b[k+int(n):]
		return s
	}
	ev := Event{Type: get(), Action: get(), Actor: Actor{ID: get()}, Time: time.Unix(0, t)}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return Event{}, errPayload
	}
	b = b[k:]
	if n > 0 {
		ev.Actor.Attributes = make(map[string]string, n)
		for i := uint64(0); i < n; i++ {
			key := get()
			ev.Actor.Attributes[key] = get()
		}
	}
	if bad || len(b) != 0 {
		return Event{}, errPayload
	}
	return ev, nil
}

package jsonlog

import (
	"reflect"
	"testing"
	"time"
)

func TestViewLast(t *testing.T) {
	es := []Entry{{Log: "a\n"}, {Log: "b\n"}, {Log: "c\n"}}
	for _, tt := range []struct {
		tail int
		want []Entry
	}{
		{-1, es},
		{0, []Entry{}},
		{2, es[1:]},
		{5, es},
	} {
		if got := (View{Tail: tt.tail}).Last(es); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tail %d: %v, want %v", tt.tail, got, tt.want)
		}
	}
}

func TestViewShows(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) Entry { return Entry{Time: t0.Add(d)} }
	for _, tt := range []struct {
		name string
		v    View
		ent  Entry
		want bool
	}{
		{"no bounds", View{}, at(0), true},
		{"since equal", View{Since: t0}, at(0), true},
		{"before since", View{Since: t0}, at(-time.Second), false},
		{"until equal", View{Until: t0}, at(0), true},
		{"after until", View{Until: t0}, at(time.Second), false},
		{"between", View{Since: t0, Until: t0.Add(time.Minute)}, at(time.Second), true},
	} {
		if got := tt.v.Shows(tt.ent); got != tt.want {
			t.Errorf("%s: Shows = %v, want %v", tt.name, got, tt.want)
		}
	}
	if (View{}).Ended(t0) || !(View{Until: t0}).Ended(t0.Add(time.Nanosecond)) || (View{Until: t0}).Ended(t0) {
		t.Error("Ended")
	}
}

func TestViewLine(t *testing.T) {
	ent := Entry{Log: "hi\n", Time: time.Date(2026, 1, 2, 3, 4, 5, 60, time.FixedZone("x", 3600))}
	for _, tt := range []struct {
		name string
		v    View
		want string
	}{
		{"plain", View{}, "hi\n"},
		{"details", View{Details: true}, " hi\n"},
		{"timestamps nine digits in UTC", View{Timestamps: true}, "2026-01-02T02:04:05.000000060Z hi\n"},
		{"both", View{Timestamps: true, Details: true}, "2026-01-02T02:04:05.000000060Z  hi\n"},
	} {
		if got := tt.v.Line(ent); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

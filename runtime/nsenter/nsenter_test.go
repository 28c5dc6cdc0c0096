package nsenter

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestFromSpec(t *testing.T) {
	b, err := FromSpec([]specs.LinuxNamespace{
		{Type: specs.PIDNamespace},
		{Type: specs.NetworkNamespace, Path: "/proc/1/ns/net"},
		{Type: specs.TimeNamespace},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.CloneFlags != unix.CLONE_NEWPID|unix.CLONE_NEWTIME {
		t.Errorf("flags = %#x", b.CloneFlags)
	}
	if len(b.Joins) != 1 || b.Joins[0].Flag != unix.CLONE_NEWNET || b.Joins[0].Path != "/proc/1/ns/net" {
		t.Errorf("joins = %+v", b.Joins)
	}
	if _, err := FromSpec([]specs.LinuxNamespace{{Type: "foo"}}, nil); err == nil {
		t.Error("unknown namespace accepted")
	}
}

func TestEncode(t *testing.T) {
	b := &Bootstrap{
		CloneFlags:  unix.CLONE_NEWTIME,
		Joins:       []Join{{Flag: unix.CLONE_NEWNS, Path: "/x"}},
		TimeOffsets: map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 5}, "boottime": {Secs: 7, Nanosecs: 3}},
	}
	r := bytes.NewReader(b.Encode())
	var kinds []uint32
	var payloads []string
	for r.Len() > 0 {
		var hdr [2]uint32
		if err := binary.Read(r, binary.NativeEndian, &hdr); err != nil {
			t.Fatal(err)
		}
		p := make([]byte, hdr[1])
		if _, err := io.ReadFull(r, p); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, hdr[0])
		payloads = append(payloads, string(p))
	}
	want := []uint32{recFlags, recJoin, recTimeOffsets, recEnd}
	if len(kinds) != len(want) {
		t.Fatalf("kinds = %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Errorf("record %d kind %d, want %d", i, kinds[i], want[i])
		}
	}
	if payloads[2] != "boottime 7 3\nmonotonic 5 0\n" {
		t.Errorf("offsets payload %q", payloads[2])
	}
	if payloads[1][4:] != "/x" {
		t.Errorf("join path %q", payloads[1][4:])
	}
}

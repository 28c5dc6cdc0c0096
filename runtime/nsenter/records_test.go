package nsenter

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// records splits an encoding into its records' kinds and payloads.
func records(t *testing.T, b []byte) (kinds []uint32, payloads [][]byte) {
	t.Helper()
	r := bytes.NewReader(b)
	for r.Len() > 0 {
		var hdr [2]uint32
		if err := binary.Read(r, binary.NativeEndian, &hdr); err != nil {
			t.Fatal(err)
		}
		p := make([]byte, hdr[1])
		if _, err := r.Read(p); err != nil && hdr[1] > 0 {
			t.Fatal(err)
		}
		kinds = append(kinds, hdr[0])
		payloads = append(payloads, p)
	}
	return kinds, payloads
}

func field(p []byte, f cField) uint64 {
	ne := binary.NativeEndian
	switch f.size {
	case 4:
		return uint64(ne.Uint32(p[f.off:]))
	case 8:
		return ne.Uint64(p[f.off:])
	}
	panic("field size")
}

// TestRecordsMatchC checks the Go encoders against records.h: each fixed
// record is exactly the C struct's size, and every field the constructor
// reads holds, at the C field's offset and size, the value Go meant.
func TestRecordsMatchC(t *testing.T) {
	oom, umask := -500, uint32(0o027)
	x := &Exec{
		Args: []string{"/bin/true"}, Cwd: "/", UID: 1000, GID: 1001, SetGroups: true, Groups: []uint32{5, 6},
		Bounding: 1 << 40, Effective: 2, Permitted: 3, Inheritable: 4, Ambient: 5, LastCap: 40,
		Rlimits:     []Rlimit{{Resource: 7, Soft: 1024, Hard: 4096}},
		OOMScoreAdj: &oom, Umask: &umask, NoNewPrivs: true, PassFDs: 2, SeccompFlags: 9,
	}
	s := &Setup{Proc: true, FifoFD: -1}
	minus := func(v int32) uint64 { return uint64(uint32(v)) }
	want := map[string]map[string]uint64{
		"exec_ids":    {"uid": 1000, "gid": 1001, "setgroups": 1, "ngids": 2},
		"exec_caps":   {"bounding": 1 << 40, "effective": 2, "permitted": 3, "inheritable": 4, "ambient": 5, "last": 40},
		"exec_rlimit": {"resource": 7, "soft": 1024, "hard": 4096},
		"exec_misc": {"oom_score_adj": minus(-500), "set_oom_score_adj": 1, "umask": 0o027,
			"no_new_privs": 1, "pass_fds": 2, "seccomp_flags": 9},
		"setup_opts": {"proc": 1, "fifo_fd": minus(-1)},
	}
	var buf []byte
	rec := func(kind uint32, p []byte) {
		ne := binary.NativeEndian
		buf = append(ne.AppendUint32(ne.AppendUint32(buf, kind), uint32(len(p))), p...)
	}
	x.encode(rec)
	s.encode(rec)
	kinds, payloads := records(t, buf)
	byKind := map[uint32][]byte{}
	for i, k := range kinds {
		byKind[k] = payloads[i]
	}
	for name, cs := range cStructs {
		p, ok := byKind[cs.kind]
		if !ok {
			t.Errorf("%s: Go wrote no record of kind %d", name, cs.kind)
			continue
		}
		size := cs.size
		if name == "exec_ids" {
			size += uintptr(4 * len(x.Groups)) // the flexible gids[]
		}
		if uintptr(len(p)) != size {
			t.Errorf("%s: Go writes %d bytes, C reads %d", name, len(p), size)
			continue
		}
		if len(cs.fields) != len(want[name]) {
			t.Errorf("%s: C has %d fields to check, the test %d", name, len(cs.fields), len(want[name]))
		}
		for _, f := range cs.fields {
			if got := field(p, f); got != want[name][f.name] {
				t.Errorf("%s.%s (offset %d, %d bytes): Go wrote %d, want %d", name, f.name, f.off, f.size, got, want[name][f.name])
			}
		}
	}
	if maxPayload >= maxRecord {
		t.Errorf("maxPayload %d must stay below records.h's MAX_RECORD %d", maxPayload, maxRecord)
	}
}

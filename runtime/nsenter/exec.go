package nsenter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Exec is a process for the constructor to set up and execve itself once
// it is in the container's namespaces (execve.c): everything resolved,
// nothing left to parse. The Go path (runtime/initproc) remains for
// what this does not cover: a terminal, a seccomp agent, LSM labels.
type Exec struct {
	Args, Env []string // Env has HOME already
	Cwd       string
	UID, GID  uint32
	Groups    []uint32
	// SetGroups is false where the user namespace denies setgroups(2).
	SetGroups bool
	// Capability sets as bitmasks, and the kernel's last capability.
	Bounding, Effective, Permitted, Inheritable, Ambient uint64
	LastCap                                              uint32
	Rlimits                                              []Rlimit
	OOMScoreAdj                                          *int
	Umask                                                *uint32
	NoNewPrivs                                           bool
	PassFDs                                              int
	// Seccomp is the compiled filter (struct sock_filter[]), or nil;
	// SeccompFlags are its SECCOMP_FILTER_FLAG_* bits.
	Seccomp      []byte
	SeccompFlags uint32
}

// Rlimit is one setrlimit(2) call.
type Rlimit struct {
	Resource   uint32
	Soft, Hard uint64
}

// maxPayload keeps each record below records.h's MAX_RECORD
// (maxRecord), with room to spare for a string's NUL.
const maxPayload = 4000

// check refuses what does not fit the records; a nil Exec is fine.
func (x *Exec) check() error {
	if x == nil {
		return nil
	}
	for _, s := range [][]string{x.Args, x.Env, {x.Cwd}} {
		for _, v := range s {
			if len(v) >= maxPayload {
				return fmt.Errorf("exec: %.40q... is longer than %d bytes", v, maxPayload)
			}
		}
	}
	if 16+4*len(x.Groups) > maxPayload {
		return fmt.Errorf("exec: %d additional gids are too many", len(x.Groups))
	}
	return nil
}

func (x *Exec) encode(rec func(kind uint32, payload []byte)) {
	for _, a := range x.Args {
		rec(recExecArg, []byte(a))
	}
	for _, e := range x.Env {
		rec(recExecEnv, []byte(e))
	}
	rec(recExecCwd, []byte(x.Cwd))
	ne := binary.NativeEndian
	ids := ne.AppendUint32(ne.AppendUint32(nil, x.UID), x.GID)
	ids = ne.AppendUint32(ne.AppendUint32(ids, b2u(x.SetGroups)), uint32(len(x.Groups)))
	for _, g := range x.Groups {
		ids = ne.AppendUint32(ids, g)
	}
	rec(recExecIDs, ids)
	var caps []byte
	for _, c := range []uint64{x.Bounding, x.Effective, x.Permitted, x.Inheritable, x.Ambient} {
		caps = ne.AppendUint64(caps, c)
	}
	rec(recExecCaps, ne.AppendUint32(ne.AppendUint32(caps, x.LastCap), 0))
	for _, r := range x.Rlimits {
		rec(recExecRlimit, ne.AppendUint64(ne.AppendUint64(ne.AppendUint32(ne.AppendUint32(nil, r.Resource), 0), r.Soft), r.Hard))
	}
	oom, setOOM, umask := int32(0), uint32(0), int32(-1)
	if x.OOMScoreAdj != nil {
		oom, setOOM = int32(*x.OOMScoreAdj), 1
	}
	if x.Umask != nil {
		umask = int32(*x.Umask)
	}
	misc := ne.AppendUint32(ne.AppendUint32(nil, uint32(oom)), setOOM)
	misc = ne.AppendUint32(ne.AppendUint32(misc, uint32(umask)), b2u(x.NoNewPrivs))
	rec(recExecMisc, ne.AppendUint32(ne.AppendUint32(misc, uint32(x.PassFDs)), x.SeccompFlags))
	for p := x.Seccomp; len(p) > 0; {
		n := min(len(p), maxPayload/8*8)
		rec(recExecBPF, p[:n])
		p = p[n:]
	}
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// WaitExec waits for a process started with an Exec to execve: EOF on the
// close-on-exec socket, or the constructor's error.
func WaitExec(sock io.Reader) error {
	var kind [1]byte
	_, err := io.ReadFull(sock, kind[:])
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	if kind[0] != 'E' {
		return fmt.Errorf("exec: unexpected message %q", kind[0])
	}
	return readError(sock, "exec")
}

// readError reads the rest of an 'E' record (length, message) and returns
// the message as the error.
func readError(sock io.Reader, what string) error {
	var n uint32
	if err := binary.Read(sock, binary.NativeEndian, &n); err != nil {
		return fmt.Errorf("%s: read error: %w", what, err)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(sock, msg); err != nil {
		return fmt.Errorf("%s: read error: %w", what, err)
	}
	return errors.New(string(msg))
}

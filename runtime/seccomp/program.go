package seccomp

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/ktrace"
)

// Program is a filter compiled to BPF, ready for seccomp(2): the runtime
// compiles (or finds in its cache, see Cache) and the process that loads it
// receives it whole, so libseccomp runs once per profile, not per container.
type Program struct {
	// BPF is the program, struct sock_filter[] in host byte order.
	BPF []byte `json:"bpf"`
	// Flags are the SECCOMP_FILTER_FLAG_* bits of linux.seccomp.flags.
	Flags uint32 `json:"flags,omitempty"`
	// Notify says a rule uses SCMP_ACT_NOTIFY: Load asks for a listener fd.
	Notify bool `json:"notify,omitempty"`
}

// Compile compiles cfg; nil for a nil cfg. Its own compiler (plan.go,
// codegen.go) gives a program of the same decisions as libseccomp's, a
// fraction of the size and searched in log time; what that compiler does
// not handle goes to libseccomp, as do invalid profiles, so errors read
// as they always did.
func Compile(cfg *specs.LinuxSeccomp) (*Program, error) {
	if cfg == nil {
		return nil, nil
	}
	if err := checkNotify(cfg); err != nil {
		return nil, err
	}
	p, err := compileBPF(cfg)
	if err == nil {
		return p, nil
	}
	slog.Debug("seccomp: compiling with libseccomp", "reason", err)
	return compileLibseccomp(cfg)
}

// compileBPF is berth's own compiler.
func compileBPF(cfg *specs.LinuxSeccomp) (*Program, error) {
	pl, err := newPlan(cfg)
	if err != nil {
		return nil, err
	}
	prog, err := pl.generate()
	if err != nil {
		return nil, err
	}
	b, err := encode(prog)
	if err != nil {
		return nil, err
	}
	flags, err := kernelFlags(cfg)
	if err != nil {
		return nil, err
	}
	p := &Program{BPF: b, Flags: flags, Notify: Notifies(cfg)}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// compileLibseccomp compiles cfg with libseccomp and exports it, behind
// the ENOSYS stub.
func compileLibseccomp(cfg *specs.LinuxSeccomp) (*Program, error) {
	f, err := New(cfg)
	if err != nil || f == nil {
		return nil, err
	}
	bpf, flags, err := f.BPF()
	if err != nil {
		return nil, err
	}
	p := &Program{BPF: append(enosysStub(cfg), bpf...), Flags: flags, Notify: f.notify}
	if err := p.check(); err != nil {
		return nil, err
	}
	return p, nil
}

// check refuses a program the kernel would: empty, torn or too long.
func (p *Program) check() error {
	if n := len(p.BPF); n == 0 || n%8 != 0 || n/8 > unix.BPF_MAXINSNS {
		return fmt.Errorf("seccomp: a filter of %d bytes is not 1 to %d instructions of 8", n, unix.BPF_MAXINSNS)
	}
	return nil
}

// LoadFlags are the SECCOMP_FILTER_FLAG_* bits Load passes to seccomp(2).
func (p *Program) LoadFlags() uint32 {
	if p.Notify {
		return p.Flags | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	return p.Flags
}

// Load installs the program on the calling thread with seccomp(2), which
// must be locked and exec next, as libseccomp's load would. It returns the
// notify fd (SECCOMP_FILTER_FLAG_NEW_LISTENER) when the program notifies,
// else -1. A nil Program loads nothing.
func (p *Program) Load() (int, error) {
	if p == nil {
		return -1, nil
	}
	if err := p.check(); err != nil {
		return -1, err
	}
	flags := uintptr(p.LoadFlags())
	prog := unix.SockFprog{Len: uint16(len(p.BPF) / 8), Filter: (*unix.SockFilter)(unsafe.Pointer(&p.BPF[0]))}
	fd, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&prog)))
	runtime.KeepAlive(p.BPF)
	if errno != 0 {
		return -1, fmt.Errorf("load seccomp filter: %w", errno)
	}
	ktrace.F("seccomp(SECCOMP_SET_MODE_FILTER, %#x, {len=%d instructions})", flags, prog.Len)
	if !p.Notify {
		return -1, nil
	}
	if int(fd) < 0 {
		return -1, errors.New("load seccomp filter: no listener fd")
	}
	return int(fd), nil
}

package seccomp

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// A plan is what a filter decides, per architecture and syscall number,
// as libseccomp would decide it for the same linux.seccomp: the input of
// the code generator (codegen.go). Building it follows libseccomp 2.5's
// rule database (db.c, arch.c, syscalls.c) step by step, and anything the
// plan cannot express the same way is errUnsupported, for which Compile
// falls back to libseccomp itself.
type plan struct {
	archs   []*archPlan // native first
	def     uint32      // SECCOMP_RET_* of defaultAction
	badArch uint32      // libseccomp's SCMP_FLTATR_ACT_BADARCH default
}

type archPlan struct {
	arch  libseccomp.ScmpArch
	audit uint32
	// bits32: libseccomp compares only the low 32 bits of an argument
	// (ARCH_SIZE_32), with the rule's value and mask truncated (put).
	bits32 bool
	// withX32: x86_64 and x32 share AUDIT_ARCH_X86_64 and libseccomp then
	// merges both tables into one; without x32, an x32 number is a bad arch.
	withX32 bool
	// enosysAbove: native syscalls numbered above it and below the x32
	// bit get ENOSYS (enosysStub); -1 for none.
	enosysAbove int64
	sys         map[uint32]*sysPlan
}

// sysPlan is one syscall's rules: act if any rule holds, else the default.
type sysPlan struct {
	act uint32
	// rules are alternatives, each a conjunction; an empty one always holds.
	rules [][]cmp
}

func (s *sysPlan) always() bool {
	return slices.ContainsFunc(s.rules, func(r []cmp) bool { return len(r) == 0 })
}

// cmp is one argument test as libseccomp stores it: mask is all ones but
// for SCMP_CMP_MASKED_EQ, and val is already masked (_db_node_mask_fixup).
type cmp struct {
	// lo: the architecture is ARCH_SIZE_32, only the low half is compared.
	lo        bool
	arg       uint
	op        specs.LinuxSeccompOperator
	mask, val uint64
}

type unsupportedError struct{ why string }

func (e *unsupportedError) Error() string { return "seccomp compiler: " + e.why }

func unsupported(format string, a ...any) error {
	return &unsupportedError{fmt.Sprintf(format, a...)}
}

// archInfo lists the architectures the plan handles: those where
// libseccomp adds a rule as it is (rule_add NULL) and x86, whose socket
// and IPC calls it also adds as socketcall(2) and ipc(2) rules.
var archInfo = map[libseccomp.ScmpArch]struct {
	audit  uint32
	bits32 bool
}{
	libseccomp.ArchAMD64:   {unix.AUDIT_ARCH_X86_64, false},
	libseccomp.ArchX32:     {unix.AUDIT_ARCH_X86_64, true},
	libseccomp.ArchX86:     {unix.AUDIT_ARCH_I386, true},
	libseccomp.ArchARM64:   {unix.AUDIT_ARCH_AARCH64, false},
	libseccomp.ArchARM:     {unix.AUDIT_ARCH_ARM, true},
	libseccomp.ArchRISCV64: {unix.AUDIT_ARCH_RISCV64, false},
}

// SECCOMP_RET_* values of the spec's actions.
var retActions = map[specs.LinuxSeccompAction]uint32{
	specs.ActKill:        unix.SECCOMP_RET_KILL_THREAD,
	specs.ActKillThread:  unix.SECCOMP_RET_KILL_THREAD,
	specs.ActKillProcess: unix.SECCOMP_RET_KILL_PROCESS,
	specs.ActTrap:        unix.SECCOMP_RET_TRAP,
	specs.ActErrno:       unix.SECCOMP_RET_ERRNO,
	specs.ActTrace:       unix.SECCOMP_RET_TRACE,
	specs.ActAllow:       unix.SECCOMP_RET_ALLOW,
	specs.ActLog:         unix.SECCOMP_RET_LOG,
	specs.ActNotify:      unix.SECCOMP_RET_USER_NOTIF,
}

// retAction is action's value as the kernel reads it. Invalid input is
// unsupported: libseccomp then reports it in its own words.
func retAction(a specs.LinuxSeccompAction, errnoRet *uint) (uint32, error) {
	if _, err := action(a, errnoRet); err != nil {
		return 0, unsupported("%v", err)
	}
	ret := retActions[a]
	if ret == unix.SECCOMP_RET_ERRNO || ret == unix.SECCOMP_RET_TRACE {
		data := uint32(unix.EPERM)
		if errnoRet != nil {
			data = uint32(uint16(int16(*errnoRet))) // as action's SetReturnCode
		}
		if ret == unix.SECCOMP_RET_ERRNO && data >= maxErrno {
			return 0, unsupported("errno %d", data) // libseccomp refuses it
		}
		ret |= data
	}
	return ret, nil
}

// Socket and IPC calls x86 also multiplexes through socketcall(2) and
// ipc(2), with the number of each as their first argument (the __PNR_*
// values of libseccomp, modulo 100 and 200).
var (
	socketCalls = map[string]uint64{"socket": 1, "bind": 2, "connect": 3, "listen": 4, "accept": 5,
		"getsockname": 6, "getpeername": 7, "socketpair": 8, "send": 9, "recv": 10, "sendto": 11,
		"recvfrom": 12, "shutdown": 13, "setsockopt": 14, "getsockopt": 15, "sendmsg": 16,
		"recvmsg": 17, "accept4": 18, "recvmmsg": 19, "sendmmsg": 20}
	ipcCalls = map[string]uint64{"semop": 1, "semget": 2, "semctl": 3, "semtimedop": 4, "msgsnd": 11,
		"msgrcv": 12, "msgget": 13, "msgctl": 14, "shmat": 21, "shmdt": 22, "shmget": 23, "shmctl": 24}
)

// maxErrno is libseccomp's MAX_ERRNO: SCMP_ACT_ERRNO takes less.
const maxErrno = 4095

const (
	x86Socketcall = 102
	x86IPC        = 117
)

// x86Direct maps the multiplexed calls that x86 also has as syscalls of
// their own (since Linux 4.3 and 5.1) to their numbers, read off
// libseccomp's table by number, since its resolver by name answers the
// __PNR_* pseudo number for these.
var x86Direct = sync.OnceValue(func() map[string]int {
	m := map[string]int{}
	for nr := range 512 {
		name, err := libseccomp.ScmpSyscall(nr).GetNameByArch(libseccomp.ArchX86)
		if err != nil {
			continue
		}
		if _, ok := socketCalls[name]; ok {
			m[name] = nr
		} else if _, ok := ipcCalls[name]; ok {
			m[name] = nr
		}
	}
	return m
})

func newPlan(cfg *specs.LinuxSeccomp) (*plan, error) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		return nil, unsupported("big-endian host")
	}
	if Notifies(cfg) && cfg.ListenerPath == "" {
		return nil, unsupported("notify without a listenerPath")
	}
	if _, err := kernelFlags(cfg); err != nil {
		return nil, unsupported("%v", err)
	}
	def, err := retAction(cfg.DefaultAction, cfg.DefaultErrnoRet)
	if err != nil {
		return nil, err
	}
	p := &plan{def: def, badArch: unix.SECCOMP_RET_KILL_THREAD}
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return nil, unsupported("native architecture: %v", err)
	}
	archs := []libseccomp.ScmpArch{native}
	for _, a := range cfg.Architectures {
		arch, err := libseccomp.GetArchFromString(strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_")))
		if err != nil {
			return nil, unsupported("architecture %q", a)
		}
		if !slices.Contains(archs, arch) {
			archs = append(archs, arch)
		}
	}
	for _, arch := range archs {
		info, ok := archInfo[arch]
		if !ok {
			return nil, unsupported("architecture %s", arch)
		}
		p.archs = append(p.archs, &archPlan{arch: arch, audit: info.audit, bits32: info.bits32,
			enosysAbove: -1, sys: map[uint32]*sysPlan{}})
	}
	if err := p.mergeX32(); err != nil {
		return nil, err
	}
	if audit, last, ok := enosysRange(cfg); ok && p.archs[0].audit == audit {
		p.archs[0].enosysAbove = int64(last)
	}
	for i, sc := range cfg.Syscalls {
		if err := p.add(sc); err != nil {
			return nil, fmt.Errorf("linux.seccomp.syscalls[%d]: %w", i, err)
		}
	}
	return p, nil
}

// mergeX32 folds x32 into x86_64, as libseccomp generates them as one table
// (gen_bpf.c's db_secondary).
func (p *plan) mergeX32() error {
	i := slices.IndexFunc(p.archs, func(a *archPlan) bool { return a.arch == libseccomp.ArchX32 })
	if i < 0 {
		return nil
	}
	j := slices.IndexFunc(p.archs, func(a *archPlan) bool { return a.arch == libseccomp.ArchAMD64 })
	if j < 0 {
		return unsupported("x32 without x86_64")
	}
	p.archs[j].withX32 = true
	p.archs = slices.Delete(p.archs, i, i+1)
	return nil
}

// add is addRule's counterpart: the same rules (conditions on one argument
// each a rule of its own), added per architecture as libseccomp adds them.
func (p *plan) add(sc specs.LinuxSyscall) error {
	act, err := retAction(sc.Action, sc.ErrnoRet)
	if err != nil {
		return err
	}
	if act == p.def {
		return nil
	}
	var perArg [6]int
	for _, a := range sc.Args {
		if a.Index >= uint(len(perArg)) {
			return unsupported("argument index %d", a.Index)
		}
		if _, ok := operators[a.Op]; !ok {
			return unsupported("operator %q", a.Op)
		}
		perArg[a.Index]++
	}
	var together []cmp
	var rules [][]cmp
	for _, a := range sc.Args {
		c := cmp{arg: a.Index, op: a.Op, mask: ^uint64(0), val: a.Value}
		if a.Op == specs.OpMaskedEqual {
			c.mask, c.val = a.Value, a.ValueTwo&a.Value
		}
		if perArg[a.Index] > 1 {
			rules = append(rules, []cmp{c})
		} else {
			together = append(together, c)
		}
	}
	if len(together) > 0 || len(sc.Args) == 0 {
		rules = append(rules, together)
	}
	for _, name := range sc.Names {
		call, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			continue // addRule skips it too
		}
		// libseccomp translates the native number to each architecture
		// by its name (arch_syscall_translate).
		canon, err := call.GetName()
		if err != nil {
			return unsupported("name of syscall %d: %v", call, err)
		}
		for _, a := range p.archs {
			for _, r := range rules {
				if err := a.add(canon, act, r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (a *archPlan) add(name string, act uint32, rule []cmp) error {
	if err := a.addArch(a.arch, a.bits32, name, act, rule); err != nil {
		return err
	}
	if a.withX32 {
		return a.addArch(libseccomp.ArchX32, true, name, act, rule)
	}
	return nil
}

func (a *archPlan) addArch(arch libseccomp.ScmpArch, bits32 bool, name string, act uint32, rule []cmp) error {
	sys, err := libseccomp.GetSyscallFromNameByArch(name, arch)
	if err != nil {
		return unsupported("syscall %s on %s: %v", name, arch, err)
	}
	nr := int(sys)
	if arch == libseccomp.ArchX86 {
		// The resolver names every multiplexed call by its __PNR_*
		// number; libseccomp adds the direct call (if any) by the number
		// of its raw table (_abi_syscall_demux).
		if direct, ok := x86Direct()[name]; ok {
			nr = direct
		}
		mux, muxNr := socketCalls[name], uint32(x86Socketcall)
		if n, ok := ipcCalls[name]; ok {
			mux, muxNr = n, x86IPC
		}
		if mux != 0 {
			// abi_rule_add: the same rule on the multiplexer, with its
			// first argument's test replaced by the call's number.
			r := slices.DeleteFunc(slices.Clone(rule), func(c cmp) bool { return c.arg == 0 })
			r = append([]cmp{{arg: 0, op: specs.OpEqualTo, mask: ^uint64(0), val: mux}}, r...)
			if err := a.put(muxNr, bits32, act, r); err != nil {
				return err
			}
		}
	}
	if nr < 0 {
		return nil // a pseudo syscall: not in the filter (_skip_syscall)
	}
	return a.put(uint32(nr), bits32, act, rule)
}

func (a *archPlan) put(nr uint32, bits32 bool, act uint32, rule []cmp) error {
	var r []cmp
	for _, c := range rule {
		if bits32 {
			c.lo, c.mask, c.val = true, c.mask&0xffffffff, c.val&0xffffffff
		}
		if c.op == specs.OpMaskedEqual && c.mask == 0 {
			continue // always true: libseccomp drops it
		}
		r = append(r, c)
	}
	s := a.sys[nr]
	if s == nil {
		s = &sysPlan{act: act}
		a.sys[nr] = s
	}
	if s.act != act {
		return unsupported("syscall %d of %s has rules with different actions", nr, a.arch)
	}
	s.rules = append(s.rules, r)
	return nil
}

package seccomp

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// vm loads a struct sock_filter[] into x/net/bpf's interpreter.
func vm(t *testing.T, b []byte) *bpf.VM {
	t.Helper()
	raw := make([]bpf.RawInstruction, len(b)/8)
	for i := range raw {
		raw[i] = bpf.RawInstruction{Op: binary.NativeEndian.Uint16(b[8*i:]), Jt: b[8*i+2], Jf: b[8*i+3],
			K: binary.NativeEndian.Uint32(b[8*i+4:])}
	}
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		t.Fatalf("a program x/net/bpf cannot read: %v", prog)
	}
	v, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// input is struct seccomp_data as the VM reads it: its loads are
// big-endian, so each 32-bit word is stored so, the low half of an
// argument first as on a little-endian host.
func input(arch, nr uint32, args [6]uint64) []byte {
	b := make([]byte, 64)
	binary.BigEndian.PutUint32(b[0:], nr)
	binary.BigEndian.PutUint32(b[4:], arch)
	for i, a := range args {
		binary.BigEndian.PutUint32(b[16+8*i:], uint32(a))
		binary.BigEndian.PutUint32(b[20+8*i:], uint32(a>>32))
	}
	return b
}

func dockerProfile(t *testing.T, caps ...string) *specs.LinuxSeccomp {
	t.Helper()
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: caps}}}
	cfg, err := mobyseccomp.GetDefaultProfile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

var dockerCaps = [][]string{
	nil,
	{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
		"CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"},
	{"CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_SYS_BOOT", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_TIME",
		"CAP_SYS_PACCT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYSLOG", "CAP_BPF", "CAP_PERFMON",
		"CAP_DAC_READ_SEARCH", "CAP_SYS_TTY_CONFIG", "CAP_SYS_CHROOT"},
}

func errnoP(n uint) *uint { return &n }

// handProfiles cover every operator, every action, argument values past 32
// bits, several conditions on one argument, the socket calls x86
// multiplexes, and architectures beyond the host's.
func handProfiles() map[string]*specs.LinuxSeccomp {
	all := []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32}
	arg := func(i uint, op specs.LinuxSeccompOperator, v, v2 uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: i, Op: op, Value: v, ValueTwo: v2}
	}
	ops := []specs.LinuxSyscall{
		{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpEqualTo, 3, 0)}},
		{Names: []string{"write"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(1, specs.OpNotEqual, 0x1_0000_0005, 0)}},
		{Names: []string{"openat"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(2, specs.OpLessThan, 0x2_0000_0010, 0)}},
		{Names: []string{"close"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpLessEqual, 100, 0)}},
		{Names: []string{"mmap"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(3, specs.OpGreaterThan, 0xffff_ffff, 0)}},
		{Names: []string{"munmap"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(5, specs.OpGreaterEqual, 0x8000_0000_0000_0001, 0)}},
		{Names: []string{"ioctl"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(1, specs.OpMaskedEqual, 0xff00_0000_ff00, 0x1200_0000_3400)}},
		{Names: []string{"fcntl"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(1, specs.OpMaskedEqual, 0xf_0000_0000, 0x3_0000_0000)}},
		{Names: []string{"kill"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(1, specs.OpMaskedEqual, 0xf0, 0x1ff)}},
		{Names: []string{"personality"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
			arg(0, specs.OpEqualTo, 0, 0), arg(0, specs.OpEqualTo, 8, 0), arg(0, specs.OpEqualTo, 0xffffffff, 0)}},
		{Names: []string{"lseek"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{
			arg(0, specs.OpGreaterEqual, 3, 0), arg(1, specs.OpLessThan, 10, 0), arg(2, specs.OpNotEqual, 1, 0)}},
		{Names: []string{"socket"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{arg(0, specs.OpNotEqual, 40, 0)}},
		{Names: []string{"bind", "connect", "shmget", "semop", "getpid", "exit_group", "rt_sigreturn", "execve"}, Action: specs.ActAllow},
		{Names: []string{"no_such_syscall", "mkdir"}, Action: specs.ActErrno, ErrnoRet: errnoP(uint(unix.EXDEV))},
	}
	actions := []specs.LinuxSyscall{
		{Names: []string{"getuid"}, Action: specs.ActKill},
		{Names: []string{"getgid"}, Action: specs.ActKillThread},
		{Names: []string{"geteuid"}, Action: specs.ActKillProcess},
		{Names: []string{"getegid"}, Action: specs.ActTrap},
		{Names: []string{"getppid"}, Action: specs.ActTrace, ErrnoRet: errnoP(7)},
		{Names: []string{"getpgrp"}, Action: specs.ActTrace},
		{Names: []string{"setsid"}, Action: specs.ActLog},
		{Names: []string{"sync"}, Action: specs.ActErrno},
		{Names: []string{"uname"}, Action: specs.ActErrno, ErrnoRet: errnoP(4094)},
		{Names: []string{"sendto", "recvmsg"}, Action: specs.ActNotify, Args: []specs.LinuxSeccompArg{arg(2, specs.OpGreaterThan, 8, 0)}},
		{Names: []string{"getpid", "clone3"}, Action: specs.ActAllow},
	}
	return map[string]*specs.LinuxSeccomp{
		"operators-errno":  {DefaultAction: specs.ActErrno, Architectures: all, Syscalls: ops},
		"operators-kill":   {DefaultAction: specs.ActKillProcess, Architectures: []specs.Arch{specs.ArchX86_64}, Syscalls: ops},
		"operators-enosys": {DefaultAction: specs.ActErrno, DefaultErrnoRet: errnoP(uint(unix.ENOSYS)), Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX32}, Syscalls: ops},
		"operators-arm":    {DefaultAction: specs.ActTrap, Architectures: []specs.Arch{specs.ArchAARCH64, specs.ArchARM, specs.ArchRISCV64}, Syscalls: ops},
		"actions-allow":    {DefaultAction: specs.ActAllow, ListenerPath: "/x", Architectures: all, Syscalls: actions},
		"actions-log":      {DefaultAction: specs.ActLog, ListenerPath: "/x", Architectures: []specs.Arch{specs.ArchX86}, Syscalls: actions},
		"actions-errno":    {DefaultAction: specs.ActErrno, DefaultErrnoRet: errnoP(1234), ListenerPath: "/x", Architectures: all, Syscalls: actions},
		"empty":            {DefaultAction: specs.ActErrno},
		"native-only":      {DefaultAction: specs.ActKill, Syscalls: actions[:3]},
	}
}

// constants are the values a profile compares with, and their neighbours:
// where a wrong comparison would show.
func constants(cfg *specs.LinuxSeccomp) []uint64 {
	vs := []uint64{0, 1, 2, 0xffffffff, 1 << 32, ^uint64(0), 0x7fffffff, 0x80000000, 0xffffffff_00000000}
	for _, sc := range cfg.Syscalls {
		for _, a := range sc.Args {
			for _, v := range []uint64{a.Value, a.ValueTwo, a.Value & a.ValueTwo, a.ValueTwo | ^a.Value} {
				for _, w := range []uint64{v, v ^ 1<<32, v &^ (0xffffffff << 32), v | 0xffffffff<<32, ^v} {
					vs = append(vs, w-1, w, w+1)
				}
			}
		}
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}

// numbers are syscall numbers to try: all up to past the highest any
// architecture knows, the same with the x32 bit, and the edges.
func numbers() []uint32 {
	var ns []uint32
	for nr := range uint32(1100) {
		ns = append(ns, nr, nr|x32Bit)
	}
	return append(ns, 0xf0000, 0xf0005, 0x900000, x32Bit-1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff)
}

var audits = []uint32{unix.AUDIT_ARCH_X86_64, unix.AUDIT_ARCH_I386, unix.AUDIT_ARCH_AARCH64, unix.AUDIT_ARCH_ARM,
	unix.AUDIT_ARCH_RISCV64, unix.AUDIT_ARCH_PPC64LE, 0, 0xffffffff}

// differ runs libseccomp's program (behind the ENOSYS stub, as Compile
// used to give it) and ours in x/net/bpf's interpreter and fails on the
// first inputs that give different verdicts: every architecture of
// audits, every number of numbers with zero and random arguments, and
// where a verdict may hang on arguments, each argument set to each value
// of constants (alone, and with the next argument too).
func differ(t *testing.T, cfg *specs.LinuxSeccomp) {
	t.Helper()
	want, err := compileLibseccomp(cfg)
	if err != nil {
		t.Fatal(err)
	}
	got, err := compileBPF(cfg)
	if err != nil {
		t.Fatalf("own compiler: %v", err)
	}
	if got.Flags != want.Flags || got.Notify != want.Notify {
		t.Errorf("flags %#x notify %v, libseccomp %#x %v", got.Flags, got.Notify, want.Flags, want.Notify)
	}
	t.Logf("%d instructions, libseccomp %d", len(got.BPF)/8, len(want.BPF)/8)
	vg, vw := vm(t, got.BPF), vm(t, want.BPF)
	consts := constants(cfg)
	rnd := rand.New(rand.NewPCG(1, 2))
	conditional := argNumbers(t, cfg)
	bad, n := 0, 0
	check := func(arch, nr uint32, args [6]uint64) {
		n++
		in := input(arch, nr, args)
		g, err1 := vg.Run(in)
		w, err2 := vw.Run(in)
		if err1 != nil || err2 != nil {
			t.Fatalf("vm: %v %v", err1, err2)
		}
		if g != w && bad < 10 {
			bad++
			t.Errorf("arch %#x nr %d (%#x) args %#x: got %#x, libseccomp %#x", arch, nr, nr, args, g, w)
		}
	}
	for _, arch := range audits {
		for _, nr := range numbers() {
			check(arch, nr, [6]uint64{})
			var r [6]uint64
			for i := range r {
				r[i] = rnd.Uint64()
			}
			check(arch, nr, r)
			if arch != unix.AUDIT_ARCH_X86_64 && arch != unix.AUDIT_ARCH_I386 && arch != unix.AUDIT_ARCH_AARCH64 {
				continue
			}
			if !conditional[[2]uint32{arch, nr}] {
				continue
			}
			for i := range 6 {
				for _, v := range consts {
					var a [6]uint64
					a[i] = v
					check(arch, nr, a)
					a[(i+1)%6] = v
					check(arch, nr, a)
				}
			}
		}
	}
	t.Logf("%d inputs", n)
}

// argNumbers are the (arch, nr) whose verdict may depend on arguments:
// those of syscalls the profile tests arguments of, by libseccomp's
// resolver, x86's socketcall and ipc, and those the plan tests.
func argNumbers(t *testing.T, cfg *specs.LinuxSeccomp) map[[2]uint32]bool {
	t.Helper()
	m := map[[2]uint32]bool{}
	archs := map[libseccomp.ScmpArch]uint32{libseccomp.ArchAMD64: unix.AUDIT_ARCH_X86_64,
		libseccomp.ArchX32: unix.AUDIT_ARCH_X86_64, libseccomp.ArchX86: unix.AUDIT_ARCH_I386,
		libseccomp.ArchARM64: unix.AUDIT_ARCH_AARCH64}
	for _, sc := range cfg.Syscalls {
		if len(sc.Args) == 0 {
			continue
		}
		for _, name := range sc.Names {
			for arch, audit := range archs {
				if nr, err := libseccomp.GetSyscallFromNameByArch(name, arch); err == nil && nr >= 0 {
					m[[2]uint32{audit, uint32(nr)}] = true
				}
			}
		}
	}
	for _, nr := range []uint32{x86Socketcall, x86IPC} {
		m[[2]uint32{unix.AUDIT_ARCH_I386, nr}] = true
	}
	for _, nr := range x86Direct() {
		m[[2]uint32{unix.AUDIT_ARCH_I386, uint32(nr)}] = true
	}
	p, err := newPlan(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.archs {
		for nr, s := range a.sys {
			if !s.always() {
				m[[2]uint32{a.audit, nr}] = true
			}
		}
	}
	return m
}

func TestSameVerdictsAsLibseccompDocker(t *testing.T) {
	for i, caps := range dockerCaps {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			differ(t, dockerProfile(t, caps...))
		})
	}
}

func TestSameVerdictsAsLibseccompHand(t *testing.T) {
	for name, cfg := range handProfiles() {
		t.Run(name, func(t *testing.T) { differ(t, cfg) })
	}
}

// The native architecture is always in a filter, as libseccomp has it.
func TestPlanArchitectures(t *testing.T) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		t.Fatal(err)
	}
	p, err := newPlan(&specs.LinuxSeccomp{DefaultAction: specs.ActErrno})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.archs) != 1 || p.archs[0].arch != native {
		t.Fatalf("archs %v, want the native one alone", p.archs)
	}
}

// TestDumpPrograms writes Docker's default profile compiled both ways to
// $BERTH_SECCOMP_DUMP, for a load-cost probe (see the commit that adds it):
// docker-libseccomp.bpf (with the ENOSYS stub), docker-berth.bpf, allow.bpf.
func TestDumpPrograms(t *testing.T) {
	dir := os.Getenv("BERTH_SECCOMP_DUMP")
	if dir == "" {
		t.Skip("BERTH_SECCOMP_DUMP not set")
	}
	cfg := dockerProfile(t)
	lib, err := compileLibseccomp(cfg)
	if err != nil {
		t.Fatal(err)
	}
	own, err := compileBPF(cfg)
	if err != nil {
		t.Fatal(err)
	}
	allow := binary.NativeEndian.AppendUint16(nil, unix.BPF_RET|unix.BPF_K)
	allow = binary.NativeEndian.AppendUint32(append(allow, 0, 0), unix.SECCOMP_RET_ALLOW)
	for name, b := range map[string][]byte{"docker-libseccomp.bpf": lib.BPF, "docker-berth.bpf": own.BPF, "allow.bpf": allow} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

package seccomp

import (
	"errors"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

const (
	allow = unix.SECCOMP_RET_ALLOW
	eperm = unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)
	kill  = unix.SECCOMP_RET_KILL_THREAD
)

type probe struct {
	arch, nr uint32
	args     [6]uint64
	want     uint32
}

// One rule on read (x86_64 0, x86 3) per operator, verdicts worked out by
// hand: what the compiler must give whatever libseccomp does.
func TestGenerateVerdicts(t *testing.T) {
	const x86, x64 = unix.AUDIT_ARCH_I386, unix.AUDIT_ARCH_X86_64
	rule := func(op specs.LinuxSeccompOperator, v, v2 uint64) *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86},
			Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 1, Op: op, Value: v, ValueTwo: v2}}}}}
	}
	a1 := func(v uint64) [6]uint64 { return [6]uint64{0, v} }
	const big = 0x1_0000_0005
	for _, tc := range []struct {
		name   string
		cfg    *specs.LinuxSeccomp
		probes []probe
	}{
		{"eq", rule(specs.OpEqualTo, big, 0), []probe{
			{x64, 0, a1(big), allow}, {x64, 0, a1(5), eperm}, {x64, 0, a1(big + 1), eperm},
			{x86, 3, a1(5), allow}, // 32-bit: the low half alone
			{x86, 4, a1(big), eperm}}},
		{"ne", rule(specs.OpNotEqual, big, 0), []probe{
			{x64, 0, a1(big), eperm}, {x64, 0, a1(5), allow}, {x86, 3, a1(5), eperm}, {x86, 3, a1(6), allow}}},
		{"gt", rule(specs.OpGreaterThan, big, 0), []probe{
			{x64, 0, a1(big), eperm}, {x64, 0, a1(big + 1), allow}, {x64, 0, a1(0x2_0000_0000), allow},
			{x64, 0, a1(0xffff_ffff), eperm}, {x86, 3, a1(6), allow}, {x86, 3, a1(5), eperm}}},
		{"ge", rule(specs.OpGreaterEqual, big, 0), []probe{
			{x64, 0, a1(big), allow}, {x64, 0, a1(big - 1), eperm}, {x64, 0, a1(0x2_0000_0000), allow}}},
		{"lt", rule(specs.OpLessThan, big, 0), []probe{
			{x64, 0, a1(big), eperm}, {x64, 0, a1(big - 1), allow}, {x64, 0, a1(0x2_0000_0000), eperm},
			{x64, 0, a1(0xffff_ffff), allow}}},
		{"le", rule(specs.OpLessEqual, big, 0), []probe{
			{x64, 0, a1(big), allow}, {x64, 0, a1(big + 1), eperm}, {x64, 0, a1(0x1_0000_0000), allow}}},
		{"masked", rule(specs.OpMaskedEqual, 0xf_0000_00f0, 0x3_0000_0010), []probe{
			{x64, 0, a1(0x3_1234_5617), allow}, {x64, 0, a1(0x2_0000_0010), eperm}, {x64, 0, a1(0x3_0000_0020), eperm},
			{x86, 3, a1(0x10), allow}}},
		// A value with bits outside the mask: libseccomp masks it too.
		{"masked-value-outside-mask", rule(specs.OpMaskedEqual, 0xf0, 0x1ff), []probe{
			{x64, 0, a1(0xf0), allow}, {x64, 0, a1(0x1f0), allow}, {x64, 0, a1(0x10), eperm}}},
		{"arches", rule(specs.OpEqualTo, 0, 0), []probe{
			{unix.AUDIT_ARCH_AARCH64, 0, a1(0), kill},                        // not in the filter: bad arch
			{x64, x32Bit, a1(0), kill},                                       // x32 number, x32 not in the filter
			{x64, 0xffffffff, a1(0), eperm},                                  // -1, which tracers use to skip a call
			{x64, 2000, a1(0), unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)}, // newer than the profile
			{x86, 2000, a1(0), eperm}}},                                      // not native: no ENOSYS
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := compileBPF(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			v := vm(t, p.BPF)
			for _, pr := range tc.probes {
				got, err := v.Run(input(pr.arch, pr.nr, pr.args))
				if err != nil {
					t.Fatal(err)
				}
				if uint32(got) != pr.want {
					t.Errorf("arch %#x nr %#x args %#x: %#x, want %#x", pr.arch, pr.nr, pr.args, got, pr.want)
				}
			}
		})
	}
}

// Profiles the compiler leaves to libseccomp, and so the same error or
// program as before.
func TestCompileFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  *specs.LinuxSeccomp
	}{
		{"two actions on one syscall", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo, Value: 1}}},
			{Names: []string{"read"}, Action: specs.ActLog, Args: []specs.LinuxSeccompArg{{Index: 0, Op: specs.OpEqualTo, Value: 2}}}}}},
		{"architecture", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Architectures: []specs.Arch{specs.ArchS390X}}},
		{"errno libseccomp refuses", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, DefaultErrnoRet: errnoP(4095)}},
		{"unknown action", &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_NONE"}},
		{"unknown operator", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Syscalls: []specs.LinuxSyscall{
			{Names: []string{"read"}, Action: specs.ActAllow, Args: []specs.LinuxSeccompArg{{Index: 0, Op: "SCMP_CMP_XX"}}}}}},
		{"notify without listener", &specs.LinuxSeccomp{DefaultAction: specs.ActNotify}},
		{"flag", &specs.LinuxSeccomp{DefaultAction: specs.ActErrno, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_X"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := compileBPF(tc.cfg)
			var u *unsupportedError
			if !errors.As(err, &u) {
				t.Fatalf("own compiler: %v, want it unsupported", err)
			}
			want, werr := compileLibseccomp(tc.cfg)
			got, gerr := Compile(tc.cfg)
			if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
				t.Fatalf("Compile: %v, libseccomp: %v", gerr, werr)
			}
			if werr == nil && string(got.BPF) != string(want.BPF) {
				t.Fatal("Compile did not give libseccomp's program")
			}
		})
	}
}

// A conditional jump reaches 255 instructions: resolve gives farther ones
// stand-ins, shared while in reach.
func TestResolveFarJumps(t *testing.T) {
	var g asm
	g.rets = map[uint32]label{}
	g.emit(bpf.LoadAbsolute{Off: offNr, Size: 4})
	for i := range 600 {
		g.jump(bpf.JumpEqual, uint32(i), g.ret(uint32(i%3)), -1)
	}
	g.emit(bpf.RetConstant{Val: 99})
	g.flushRets()
	prog, err := g.resolve()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(prog); n > 600+2+3+12 {
		t.Errorf("%d instructions: stand-ins not shared", n)
	}
	b, err := encode(prog)
	if err != nil {
		t.Fatal(err)
	}
	v := vm(t, b)
	for _, nr := range []uint32{0, 1, 2, 254, 255, 256, 599, 600, 1000} {
		want := uint32(99)
		if nr < 600 {
			want = nr % 3
		}
		if got, _ := v.Run(input(0, nr, [6]uint64{})); uint32(got) != want {
			t.Errorf("nr %d: %d, want %d", nr, got, want)
		}
	}
}

// Docker's default profile: a search, not a chain.
func TestDockerProfileSize(t *testing.T) {
	p, err := compileBPF(dockerProfile(t))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(p.BPF) / 8; n > 600 {
		t.Errorf("%d instructions, want at most 600", n)
	}
}

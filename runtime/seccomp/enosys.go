package seccomp

import (
	"encoding/binary"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// nativeAudit is the AUDIT_ARCH_* value of the architecture we run on.
var nativeAudit = map[string]uint32{
	"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64,
	"386": unix.AUDIT_ARCH_I386, "ppc64le": unix.AUDIT_ARCH_PPC64LE, "s390x": unix.AUDIT_ARCH_S390X,
	"riscv64": unix.AUDIT_ARCH_RISCV64,
}

// x32Bit marks x86_64's x32 syscalls, numbered apart from the native ones.
const x32Bit = 0x40000000

// enosysStub is what runc puts before its filter: a native syscall
// numbered above every syscall the profile names gets ENOSYS, not the
// default action. Such a syscall is newer than the profile, and programs
// (glibc's clone3 and faccessat2, for one) fall back to an older call on
// ENOSYS but fail on the EPERM a profile's default gives. Nil when the
// default lets calls through anyway, when the default already is ENOSYS,
// or when the profile names no syscall known here.
func enosysStub(cfg *specs.LinuxSeccomp) []byte {
	arch, last, ok := enosysRange(cfg)
	if !ok {
		return nil
	}
	const (
		ldAbs = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		jeq   = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		jge   = unix.BPF_JMP | unix.BPF_JGE | unix.BPF_K
		jgt   = unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K
		ret   = unix.BPF_RET | unix.BPF_K
	)
	// Offsets of struct seccomp_data: nr at 0, arch at 4. Every jump that
	// does not return ENOSYS lands on the filter, right after the stub.
	insns := []unix.SockFilter{
		{Code: ldAbs, K: 4},
		{Code: jeq, K: arch, Jt: 0, Jf: 4},
		{Code: ldAbs, K: 0},
		{Code: jge, K: x32Bit, Jt: 2, Jf: 0},
		{Code: jgt, K: last, Jt: 0, Jf: 1},
		{Code: ret, K: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
	}
	out := make([]byte, 0, 8*len(insns))
	for _, in := range insns {
		out = binary.NativeEndian.AppendUint16(out, in.Code)
		out = append(out, in.Jt, in.Jf)
		out = binary.NativeEndian.AppendUint32(out, in.K)
	}
	return out
}

// enosysRange is the native AUDIT_ARCH_* value and the highest native
// syscall number the profile names, above which enosysStub answers ENOSYS;
// ok is false when the stub would be empty.
func enosysRange(cfg *specs.LinuxSeccomp) (arch, last uint32, ok bool) {
	switch cfg.DefaultAction {
	case specs.ActAllow, specs.ActLog, specs.ActNotify:
		return 0, 0, false
	}
	if cfg.DefaultErrnoRet != nil && *cfg.DefaultErrnoRet == uint(unix.ENOSYS) {
		return 0, 0, false
	}
	arch, ok = nativeAudit[runtime.GOARCH]
	if !ok {
		return 0, 0, false
	}
	max := -1
	for _, sc := range cfg.Syscalls {
		for _, name := range sc.Names {
			if nr, err := libseccomp.GetSyscallFromName(name); err == nil && int(nr) > max {
				max = int(nr)
			}
		}
	}
	if max < 0 {
		return 0, 0, false
	}
	return arch, uint32(max), true
}

package seccomp

import (
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/runtime-spec/specs-go/features"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// archNames are the SCMP_ARCH_* names of the spec; Features reports those
// a filter on this host can take (the native one and its compat ABIs).
var archNames = []string{"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE",
	"SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
	"SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB"}

// Features is the linux.seccomp block of `features`: the actions,
// operators and flags New compiles, and the architectures it can add.
func Features() *features.Seccomp {
	yes := true
	var archs []string
	for _, a := range archNames {
		if addable(a) {
			archs = append(archs, a)
		}
	}
	var acts, ops []string
	for a := range maps.Keys(actions) {
		acts = append(acts, string(a))
	}
	for o := range maps.Keys(operators) {
		ops = append(ops, string(o))
	}
	slices.Sort(acts)
	slices.Sort(ops)
	var supported []string
	for _, fl := range KnownFlags {
		if kernelKnows()&flagBits[fl] != 0 {
			supported = append(supported, fl)
		}
	}
	return &features.Seccomp{Enabled: &yes, Actions: acts, Operators: ops, Archs: archs,
		KnownFlags: slices.Clone(KnownFlags), SupportedFlags: supported}
}

// flagBits are KnownFlags' SECCOMP_FILTER_FLAG_* values.
var flagBits = map[string]uint32{flagTsync: unix.SECCOMP_FILTER_FLAG_TSYNC, flagLog: unix.SECCOMP_FILTER_FLAG_LOG,
	flagSpecAllow: unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, flagWaitKillable: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV}

// addable says whether a filter of this host can take arch a (libseccomp
// refuses one of the other byte order).
func addable(a string) bool {
	arch, err := libseccomp.GetArchFromString(strings.ToLower(strings.TrimPrefix(a, "SCMP_ARCH_")))
	if err != nil {
		return false
	}
	f, err := libseccomp.NewFilter(libseccomp.ActAllow)
	if err != nil {
		return false
	}
	defer f.Release()
	return f.AddArch(arch) == nil
}

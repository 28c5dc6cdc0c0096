// Package seccomp compiles an OCI linux.seccomp into a kernel filter and
// loads it on the calling thread with seccomp(2).
//
// Two compilers give the same decisions: berth's own (plan.go, codegen.go),
// a binary search over syscall-number ranges per architecture, and
// libseccomp (as runc uses it), a compare chain about twice the size that
// every syscall walks linearly. Kernel cost per container follows the
// program: the load, the JIT and the kernel's per-syscall "always allow"
// cache, which runs the filter once per syscall number. Profiles the own
// compiler cannot express as libseccomp would go to libseccomp.
//
// Compile early, load late: the runtime compiles (Compile, or
// bpfcache.Compile, which keeps programs across runs) while errors can still
// reach the user, and hands the Program to the process that loads it;
// Program.Load is the last step before execve, so the filter constrains the
// container's program and as little of the runtime's own set-up as the
// spec allows.
package seccomp

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// Filter is a compiled filter, not yet loaded.
type Filter struct {
	f      *libseccomp.ScmpFilter
	notify bool
	// kernelFlags are the SECCOMP_FILTER_FLAG_* bits of cfg.Flags, for a
	// filter exported as BPF and loaded by seccomp(2) directly.
	kernelFlags uint32
}

// Flags the spec names that berth understands.
const (
	flagLog          = "SECCOMP_FILTER_FLAG_LOG"
	flagSpecAllow    = "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
	flagTsync        = "SECCOMP_FILTER_FLAG_TSYNC"
	flagWaitKillable = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"
)

// KnownFlags are the flags New compiles; Features reports which of them
// this kernel takes.
var KnownFlags = []string{flagTsync, flagLog, flagSpecAllow, flagWaitKillable}

// New compiles cfg. A nil cfg gives a nil Filter, which Load ignores.
func New(cfg *specs.LinuxSeccomp) (*Filter, error) {
	if cfg == nil {
		return nil, nil
	}
	def, err := action(cfg.DefaultAction, cfg.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp.defaultAction: %w", err)
	}
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("create seccomp filter: %w", err)
	}
	out := &Filter{f: f, notify: cfg.DefaultAction == specs.ActNotify}
	if err := out.build(cfg, def); err != nil {
		f.Release()
		return nil, err
	}
	if out.notify && cfg.ListenerPath == "" {
		f.Release()
		return nil, errors.New("linux.seccomp: SCMP_ACT_NOTIFY needs a listenerPath")
	}
	return out, nil
}

func (out *Filter) build(cfg *specs.LinuxSeccomp, def libseccomp.ScmpAction) error {
	f := out.f
	// libseccomp sets no_new_privs on load unless told not to; whether the
	// process gets it is process.noNewPrivileges' business alone.
	if err := f.SetNoNewPrivsBit(false); err != nil {
		return fmt.Errorf("seccomp: clear no_new_privs attribute: %w", err)
	}
	for _, a := range cfg.Architectures {
		arch, err := libseccomp.GetArchFromString(strings.ToLower(strings.TrimPrefix(string(a), "SCMP_ARCH_")))
		if err != nil {
			return fmt.Errorf("linux.seccomp.architectures: %q: %w", a, err)
		}
		if err := f.AddArch(arch); err != nil {
			return fmt.Errorf("linux.seccomp.architectures: add %s: %w", a, err)
		}
	}
	flags, err := kernelFlags(cfg)
	if err != nil {
		return err
	}
	out.kernelFlags = flags
	if flags&unix.SECCOMP_FILTER_FLAG_LOG != 0 {
		if err := f.SetLogBit(true); err != nil {
			return fmt.Errorf("linux.seccomp.flags: %s: %w", flagLog, err)
		}
	}
	if flags&unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW != 0 {
		if err := f.SetSSB(true); err != nil {
			return fmt.Errorf("linux.seccomp.flags: %s: %w", flagSpecAllow, err)
		}
	}
	for i, sc := range cfg.Syscalls {
		if err := out.addRule(sc, def); err != nil {
			return fmt.Errorf("linux.seccomp.syscalls[%d]: %w", i, err)
		}
	}
	return nil
}

// kernelFlags are the SECCOMP_FILTER_FLAG_* bits of cfg.Flags. As runc:
// no flags at all (not even an empty list) means SPEC_ALLOW where the
// kernel has it, so a container is not slowed by the speculative store
// bypass mitigation a filter would otherwise force on it.
func kernelFlags(cfg *specs.LinuxSeccomp) (uint32, error) {
	if cfg.Flags == nil {
		return kernelKnows() & unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW, nil
	}
	var flags uint32
	for _, fl := range cfg.Flags {
		switch string(fl) {
		case flagLog:
			flags |= unix.SECCOMP_FILTER_FLAG_LOG
		case flagSpecAllow:
			flags |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		case flagWaitKillable:
			// The kernel takes it only with a listener (EINVAL at load).
			if !Notifies(cfg) {
				return 0, fmt.Errorf("linux.seccomp.flags: %s needs an SCMP_ACT_NOTIFY rule", fl)
			}
			flags |= unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
		case flagTsync:
			// The filter is loaded by the one thread that then execs: the
			// other threads of the runtime die with the execve.
		default:
			return 0, fmt.Errorf("linux.seccomp.flags: %s: unsupported flag", fl)
		}
	}
	return flags, nil
}

// kernelKnows is the set of SECCOMP_FILTER_FLAG_* bits of KnownFlags this
// kernel takes. seccomp(2) checks the flags before it reads the program,
// so a NULL program fails with EFAULT for known flags and EINVAL for
// others (libseccomp's probe); WAIT_KILLABLE_RECV is valid only with
// NEW_LISTENER, which the EFAULT comes before.
var kernelKnows = sync.OnceValue(func() uint32 {
	var known uint32
	for _, fl := range flagBits {
		probe := fl
		if fl == unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {
			probe |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
		}
		_, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(probe), 0)
		if errno == unix.EFAULT {
			known |= fl
		}
	}
	return known
})

// checkNotify refuses what runc refuses of SCMP_ACT_NOTIFY: on write, the
// runtime's own writes between the load and the agent's taking the fd
// would wait for an agent that has not got it yet.
func checkNotify(cfg *specs.LinuxSeccomp) error {
	for _, sc := range cfg.Syscalls {
		if sc.Action == specs.ActNotify && slices.Contains(sc.Names, "write") {
			return errors.New("linux.seccomp: SCMP_ACT_NOTIFY cannot be used for the write syscall")
		}
	}
	return nil
}

// addRule adds one syscalls entry. As runc: a name libseccomp does not know
// is skipped (profiles list syscalls of newer kernels), a rule whose action
// is the default one is redundant, and conditions on the same argument are
// alternatives, each its own rule, since libseccomp would AND them.
func (out *Filter) addRule(sc specs.LinuxSyscall, def libseccomp.ScmpAction) error {
	act, err := action(sc.Action, sc.ErrnoRet)
	if err != nil {
		return err
	}
	if sc.Action == specs.ActNotify {
		out.notify = true
	}
	if act == def {
		return nil
	}
	var perArg [6]int
	for _, a := range sc.Args {
		if a.Index >= uint(len(perArg)) {
			return fmt.Errorf("argument index %d: a syscall has 6 arguments", a.Index)
		}
		perArg[a.Index]++
	}
	var together, alone []libseccomp.ScmpCondition
	for _, a := range sc.Args {
		c, err := condition(a)
		if err != nil {
			return err
		}
		if perArg[a.Index] > 1 {
			alone = append(alone, c)
		} else {
			together = append(together, c)
		}
	}
	for _, name := range sc.Names {
		call, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			slog.Debug("seccomp: skipping a syscall unknown to libseccomp", "syscall", name)
			continue
		}
		if len(sc.Args) == 0 {
			if err := out.f.AddRule(call, act); err != nil {
				return fmt.Errorf("add rule for %s: %w", name, err)
			}
			continue
		}
		for _, c := range alone {
			if err := out.f.AddRuleConditional(call, act, []libseccomp.ScmpCondition{c}); err != nil {
				return fmt.Errorf("add rule for %s: %w", name, err)
			}
		}
		if len(together) > 0 {
			if err := out.f.AddRuleConditional(call, act, together); err != nil {
				return fmt.Errorf("add rule for %s: %w", name, err)
			}
		}
	}
	return nil
}

var actions = map[specs.LinuxSeccompAction]libseccomp.ScmpAction{
	specs.ActKill:        libseccomp.ActKillThread,
	specs.ActKillThread:  libseccomp.ActKillThread,
	specs.ActKillProcess: libseccomp.ActKillProcess,
	specs.ActTrap:        libseccomp.ActTrap,
	specs.ActErrno:       libseccomp.ActErrno,
	specs.ActTrace:       libseccomp.ActTrace,
	specs.ActAllow:       libseccomp.ActAllow,
	specs.ActLog:         libseccomp.ActLog,
	specs.ActNotify:      libseccomp.ActNotify,
}

// action maps a spec action; errno and trace return errnoRet, EPERM if unset.
func action(a specs.LinuxSeccompAction, errnoRet *uint) (libseccomp.ScmpAction, error) {
	act, ok := actions[a]
	if !ok {
		return 0, fmt.Errorf("unknown action %q", a)
	}
	if act == libseccomp.ActErrno || act == libseccomp.ActTrace {
		ret := int16(unix.EPERM)
		if errnoRet != nil {
			ret = int16(*errnoRet)
		}
		return act.SetReturnCode(ret), nil
	}
	if errnoRet != nil {
		return 0, fmt.Errorf("errnoRet is only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", a)
	}
	return act, nil
}

var operators = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// condition maps an argument test; for SCMP_CMP_MASKED_EQ, value is the
// mask and valueTwo what the masked argument must equal.
func condition(a specs.LinuxSeccompArg) (libseccomp.ScmpCondition, error) {
	op, ok := operators[a.Op]
	if !ok {
		return libseccomp.ScmpCondition{}, fmt.Errorf("unknown operator %q", a.Op)
	}
	if op == libseccomp.CompareMaskedEqual {
		return libseccomp.MakeCondition(a.Index, op, a.Value, a.ValueTwo)
	}
	return libseccomp.MakeCondition(a.Index, op, a.Value)
}

// Notifies says whether cfg sends any syscall to a user-space agent
// (SCMP_ACT_NOTIFY): then its listenerPath is connected before the process
// starts, so a wrong path fails create or exec, not the container later.
func Notifies(cfg *specs.LinuxSeccomp) bool {
	if cfg == nil {
		return false
	}
	if cfg.DefaultAction == specs.ActNotify {
		return true
	}
	for _, sc := range cfg.Syscalls {
		if sc.Action == specs.ActNotify {
			return true
		}
	}
	return false
}

// DialListener connects to cfg's listenerPath (runc's seccomp agent
// protocol) and returns the connected socket as a file for the process
// that loads the filter, or nil when cfg notifies nothing.
func DialListener(cfg *specs.LinuxSeccomp) (*os.File, error) {
	if !Notifies(cfg) {
		return nil, nil
	}
	if cfg.ListenerPath == "" {
		return nil, errors.New("linux.seccomp: SCMP_ACT_NOTIFY needs a listenerPath")
	}
	conn, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: cfg.ListenerPath, Net: "unix"})
	if err != nil {
		// runc's words, which its tests and users match.
		return nil, fmt.Errorf("failed to connect with seccomp agent at listenerPath %s: %w", cfg.ListenerPath, err)
	}
	defer conn.Close()
	f, err := conn.File()
	if err != nil {
		return nil, fmt.Errorf("seccomp listener %s: %w", cfg.ListenerPath, err)
	}
	return f, nil
}

// BPF exports the compiled program (struct sock_filter[]) and the
// SECCOMP_FILTER_FLAG_* bits to load it with, for a process that loads it
// with seccomp(2) itself (Program.Load). The filter's memory is released
// either way.
func (f *Filter) BPF() ([]byte, uint32, error) {
	defer f.f.Release()
	fd, err := unix.MemfdCreate("seccomp-bpf", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, 0, fmt.Errorf("seccomp: memfd for the exported filter: %w", err)
	}
	mem := os.NewFile(uintptr(fd), "seccomp-bpf")
	defer mem.Close()
	if err := f.f.ExportBPF(mem); err != nil {
		return nil, 0, fmt.Errorf("seccomp: export filter: %w", err)
	}
	prog, err := io.ReadAll(io.NewSectionReader(mem, 0, 1<<30))
	if err != nil {
		return nil, 0, fmt.Errorf("seccomp: read exported filter: %w", err)
	}
	return prog, f.kernelFlags, nil
}

// Release frees a filter that will not be loaded.
func (f *Filter) Release() {
	if f != nil {
		f.f.Release()
	}
}

// LibraryVersion is the version of the libseccomp linked in, which
// compiles what berth's own compiler cannot express.
func LibraryVersion() (major, minor, micro uint) {
	return libseccomp.GetLibraryVersion()
}

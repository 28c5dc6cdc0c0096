package initproc

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

var schedPolicies = map[specs.LinuxSchedulerPolicy]uint32{
	specs.SchedOther: 0, specs.SchedFIFO: 1, specs.SchedRR: 2, specs.SchedBatch: 3,
	specs.SchedISO: 4, specs.SchedIdle: 5, specs.SchedDeadline: 6,
}

var schedFlags = map[specs.LinuxSchedulerFlag]uint64{
	specs.SchedFlagResetOnFork: 0x01, specs.SchedFlagReclaim: 0x02, specs.SchedFlagDLOverrun: 0x04,
	specs.SchedFlagKeepPolicy: 0x08, specs.SchedFlagKeepParams: 0x10,
	specs.SchedFlagUtilClampMin: 0x20, specs.SchedFlagUtilClampMax: 0x40,
}

// schedAttr is the kernel's struct sched_attr (SCHED_ATTR_SIZE_VER0).
type schedAttr struct {
	size     uint32
	policy   uint32
	flags    uint64
	nice     int32
	priority uint32
	runtime  uint64
	deadline uint64
	period   uint64
}

var ioprioClasses = map[specs.IOPriorityClass]int{
	specs.IOPRIO_CLASS_RT: 1, specs.IOPRIO_CLASS_BE: 2, specs.IOPRIO_CLASS_IDLE: 3,
}

// setScheduling applies process.scheduler (sched_setattr) and
// process.ioPriority (ioprio_set) to the calling process, which its
// program inherits, as runc does for the init and every exec. cpus is
// linux.resources.cpu.cpus: a deadline policy needs every CPU in the
// affinity mask, so its EPERM then says what is in the way, as runc's.
func setScheduling(proc *specs.Process, cpus string) error {
	if s := proc.Scheduler; s != nil {
		policy, ok := schedPolicies[s.Policy]
		if !ok {
			return fmt.Errorf("process.scheduler.policy: unknown %q", s.Policy)
		}
		attr := schedAttr{policy: policy, nice: s.Nice, priority: uint32(s.Priority),
			runtime: s.Runtime, deadline: s.Deadline, period: s.Period}
		attr.size = uint32(unsafe.Sizeof(attr))
		for _, f := range s.Flags {
			bit, ok := schedFlags[f]
			if !ok {
				return fmt.Errorf("process.scheduler.flags: unknown %q", f)
			}
			attr.flags |= bit
		}
		if _, _, errno := unix.Syscall(unix.SYS_SCHED_SETATTR, 0, uintptr(unsafe.Pointer(&attr)), 0); errno != 0 {
			if errno == unix.EPERM && cpus != "" {
				return fmt.Errorf("set process.scheduler %s: %w: process scheduler can't be used together with AllowedCPUs (linux.resources.cpu.cpus %q)", s.Policy, errno, cpus)
			}
			return fmt.Errorf("set process.scheduler %s: %w", s.Policy, errno)
		}
	}
	if p := proc.IOPriority; p != nil {
		class, ok := ioprioClasses[p.Class]
		if !ok {
			return fmt.Errorf("process.ioPriority.class: unknown %q", p.Class)
		}
		if p.Priority < 0 || p.Priority > 7 {
			return fmt.Errorf("process.ioPriority.priority %d: must be 0 to 7", p.Priority)
		}
		const whoProcess = 1
		if _, _, errno := unix.Syscall(unix.SYS_IOPRIO_SET, whoProcess, 0, uintptr(class<<13|p.Priority)); errno != 0 {
			return fmt.Errorf("set process.ioPriority %s %d: %w", p.Class, p.Priority, errno)
		}
	}
	return nil
}

// ParseCPUs reads a CPU list such as "0-3,7".
func ParseCPUs(list string) (unix.CPUSet, error) {
	var set unix.CPUSet
	for _, part := range strings.Split(strings.TrimSpace(list), ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 0 || b < a || b >= 1024 {
			return set, fmt.Errorf("cpu list %q: bad item %q", list, part)
		}
		for c := a; c <= b; c++ {
			set.Set(c)
		}
	}
	return set, nil
}

// setExecAffinity pins an exec'd process, now in the container's cgroups,
// to execCPUAffinity.final. Without one it keeps what it has: .initial
// (narrowed by the cgroup's cpuset, as the runtime-spec leaves it to the
// kernel), or, with no execCPUAffinity at all, every CPU of its cgroup:
// the constructor reset it (runtime/nsenter), so that a runtime pinned by
// its caller does not pin the container's processes (runc 1.2+).
func setExecAffinity(a *specs.CPUAffinity) error {
	if a == nil || a.Final == "" {
		return nil
	}
	set, err := ParseCPUs(a.Final)
	if err != nil {
		return fmt.Errorf("process.execCPUAffinity.final: %w", err)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("set the CPU affinity of the exec'd process to %q: %w", a.Final, err)
	}
	return nil
}

// StartWithAffinity wraps start, which clones the exec'd process on the
// calling thread (exec.Cmd.Start), so that the process starts pinned to
// execCPUAffinity.initial: before it joins the container's cgroups, as the
// runtime-spec says (with clone3(CLONE_INTO_CGROUP) it is born in them, and
// the kernel narrows the mask to their cpuset). The process sets .final
// itself once inside. The thread gets its own affinity back after.
func StartWithAffinity(a *specs.CPUAffinity, start func() error) func() error {
	if a == nil || a.Initial == "" {
		return start
	}
	return func() error {
		set, err := ParseCPUs(a.Initial)
		if err != nil {
			return fmt.Errorf("process.execCPUAffinity.initial: %w", err)
		}
		runtime.LockOSThread()
		var own unix.CPUSet
		if err := unix.SchedGetaffinity(0, &own); err != nil {
			runtime.UnlockOSThread()
			return fmt.Errorf("read the runtime's CPU affinity: %w", err)
		}
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			runtime.UnlockOSThread()
			return fmt.Errorf("set process.execCPUAffinity.initial %q: %w", a.Initial, err)
		}
		err = start()
		if rerr := unix.SchedSetaffinity(0, &own); rerr != nil {
			// The thread stays pinned, locked to this goroutine: it serves
			// nobody else.
			return err
		}
		runtime.UnlockOSThread()
		return err
	}
}

// cpusetCPUs is linux.resources.cpu.cpus, or "".
func cpusetCPUs(s *specs.Spec) string {
	if s.Linux == nil || s.Linux.Resources == nil || s.Linux.Resources.CPU == nil {
		return ""
	}
	return s.Linux.Resources.CPU.Cpus
}

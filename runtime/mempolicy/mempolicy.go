// Package mempolicy applies linux.memoryPolicy (runtime-spec 1.3): the
// NUMA policy of set_mempolicy(2) for every process of the container.
//
// A task's memory policy is copied to the children it clones and kept
// across execve. So the runtime sets it on one locked thread of its own,
// starts the container's init or exec'd process from that thread, and
// puts the thread back to the default policy: the container's processes
// have it from their first instruction on, and nothing of the runtime's
// own allocations depends on it.
package mempolicy

import (
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxNode bounds node numbers, as the kernel's own MAX_NUMNODES does (a
// nodemask wider than a page of bits is refused with EINVAL).
const maxNode = 1023

var modes = map[specs.MemoryPolicyModeType]int{
	specs.MpolDefault:            unix.MPOL_DEFAULT,
	specs.MpolPreferred:          unix.MPOL_PREFERRED,
	specs.MpolBind:               unix.MPOL_BIND,
	specs.MpolInterleave:         unix.MPOL_INTERLEAVE,
	specs.MpolLocal:              unix.MPOL_LOCAL,
	specs.MpolPreferredMany:      5, // MPOL_PREFERRED_MANY, Linux 5.15
	specs.MpolWeightedInterleave: 6, // MPOL_WEIGHTED_INTERLEAVE, Linux 6.9
}

var flags = map[specs.MemoryPolicyFlagType]int{
	specs.MpolFNumaBalancing: unix.MPOL_F_NUMA_BALANCING,
	specs.MpolFRelativeNodes: unix.MPOL_F_RELATIVE_NODES,
	specs.MpolFStaticNodes:   unix.MPOL_F_STATIC_NODES,
}

// Policy is a checked linux.memoryPolicy, ready for set_mempolicy.
type Policy struct {
	mode  int // with the flags
	mask  []uint64
	nodes int
}

// Parse checks p as runc 1.5 does, in its words; nil gives nil.
func Parse(p *specs.LinuxMemoryPolicy) (*Policy, error) {
	if p == nil {
		return nil, nil
	}
	mode, ok := modes[p.Mode]
	if !ok {
		return nil, fmt.Errorf("linux.memoryPolicy: invalid memory policy mode %q (want one of %s)", p.Mode, strings.Join(Modes(), ", "))
	}
	pol := &Policy{mode: mode}
	for _, f := range p.Flags {
		v, ok := flags[f]
		if !ok {
			return nil, fmt.Errorf("linux.memoryPolicy: invalid memory policy flag %q (want one of %s)", f, strings.Join(Flags(), ", "))
		}
		pol.mode |= v
	}
	if err := pol.parseNodes(p.Nodes); err != nil {
		return nil, err
	}
	switch mode {
	case unix.MPOL_DEFAULT, unix.MPOL_LOCAL:
		if pol.nodes != 0 {
			return nil, fmt.Errorf("linux.memoryPolicy: %s: memory policy mode requires 0 nodes but got %d", p.Mode, pol.nodes)
		}
	case unix.MPOL_PREFERRED:
	default:
		if pol.nodes == 0 {
			return nil, fmt.Errorf("linux.memoryPolicy: %s: memory policy mode requires at least one node but got 0", p.Mode)
		}
	}
	return pol, nil
}

// parseNodes reads "0-3,5" into the nodemask.
func (p *Policy) parseNodes(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		if !isRange {
			hi = lo
		}
		a, errA := strconv.ParseUint(lo, 10, 64)
		b, errB := strconv.ParseUint(hi, 10, 64)
		if errA != nil || errB != nil || a > b {
			return fmt.Errorf("linux.memoryPolicy: invalid memory policy nodes %q: %q is not a node or a range of them", s, part)
		}
		if b > maxNode {
			return fmt.Errorf("linux.memoryPolicy: invalid memory policy node %d in %q: nodes go up to %d", b, s, maxNode)
		}
		for n := a; n <= b; n++ {
			for uint64(len(p.mask)) <= n/64 {
				p.mask = append(p.mask, 0)
			}
			if p.mask[n/64]&(1<<(n%64)) == 0 {
				p.nodes++
			}
			p.mask[n/64] |= 1 << (n % 64)
		}
	}
	return nil
}

// Start runs start, which clones a container process on the calling
// thread (exec.Cmd.Start), with l's memory policy, if any.
func Start(l *specs.Linux, start func() error) error {
	if l == nil || l.MemoryPolicy == nil {
		return start()
	}
	p, err := Parse(l.MemoryPolicy)
	if err != nil {
		return err
	}
	return p.Start(start)
}

// Start runs start, which must clone the container's process on the
// calling thread (exec.Cmd.Start does), with the policy set on that
// thread, then resets the thread to the default. A nil p just runs start.
func (p *Policy) Start(start func() error) error {
	if p == nil {
		return start()
	}
	runtime.LockOSThread()
	if err := p.set(); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("linux.memoryPolicy: set_mempolicy: %w", err)
	}
	err := start()
	if rerr := setMempolicy(unix.MPOL_DEFAULT, nil); rerr != nil {
		// The thread keeps the container's policy: it stays locked to
		// this goroutine and dies with it, serving nobody else.
		return err
	}
	runtime.UnlockOSThread()
	return err
}

func (p *Policy) set() error { return setMempolicy(p.mode, p.mask) }

func setMempolicy(mode int, mask []uint64) error {
	var ptr unsafe.Pointer
	maxnode := uintptr(0)
	if len(mask) > 0 {
		ptr = unsafe.Pointer(&mask[0])
		// maxnode counts bits and the kernel reads one fewer than it says.
		maxnode = uintptr(len(mask)*64 + 1)
	}
	_, _, errno := unix.Syscall(unix.SYS_SET_MEMPOLICY, uintptr(mode), uintptr(ptr), maxnode)
	if errno != 0 {
		return errno
	}
	return nil
}

// Modes are the modes Parse knows, for features.
func Modes() []string { return names(modes) }

// Flags are the mode flags Parse knows, for features.
func Flags() []string { return names(flags) }

func names[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

package devices

import (
	"errors"
	"fmt"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroup v2 has no devices files: access to device nodes is decided by an
// eBPF program of type BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup.
// The kernel calls it with struct bpf_cgroup_dev_ctx:
//
//	u32 access_type  // (access << 16) | type; type 1 block, 2 char;
//	                 // access 1 mknod, 2 read, 4 write
//	u32 major, minor
//
// and allows the access when it returns 1. The program checks the rules
// from the last to the first, so the last matching rule wins as in v1, and
// denies what no rule matches.

const (
	bpfDevBlock = 1
	bpfDevChar  = 2
)

// deviceFilter assembles the program for rules (runc's defaults included).
func deviceFilter(rules []specs.LinuxDeviceCgroup) ([]insn, error) {
	insns := []insn{
		loadWord(r2, r1, 0),
		movReg(r3, r2),
		andImm(r3, 0xffff),  // type
		rshImm(r2, 16),      // access
		loadWord(r4, r1, 4), // major
		loadWord(r5, r1, 8), // minor
	}
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		var block []insn
		switch r.Type {
		case "", "a":
		case "c":
			block = append(block, jneNext(r3, bpfDevChar))
		case "b":
			block = append(block, jneNext(r3, bpfDevBlock))
		default:
			return nil, fmt.Errorf("linux.resources.devices[%d]: unknown type %q: use a, b or c", i, r.Type)
		}
		if r.Major != nil && *r.Major >= 0 {
			block = append(block, jneNext(r4, int32(*r.Major)))
		}
		if r.Minor != nil && *r.Minor >= 0 {
			block = append(block, jneNext(r5, int32(*r.Minor)))
		}
		var access int32
		for _, c := range r.Access {
			switch c {
			case 'm':
				access |= unix.BPF_DEVCG_ACC_MKNOD
			case 'r':
				access |= unix.BPF_DEVCG_ACC_READ
			case 'w':
				access |= unix.BPF_DEVCG_ACC_WRITE
			default:
				return nil, fmt.Errorf("linux.resources.devices[%d]: unknown access %q: use r, w and m", i, r.Access)
			}
		}
		if r.Access == "" {
			access = 7
		}
		if access != 7 {
			// The rule matches when the access asked for is within its own.
			block = append(block,
				movReg(r6, r2),
				andImm(r6, ^access&7),
				jneNext(r6, 0))
		}
		allow := int32(0)
		if r.Allow {
			allow = 1
		}
		catchAll := len(block) == 0
		insns = append(insns, endBlock(append(block, movImm(r0, allow), exit()))...)
		if catchAll {
			// Every access matches: the rules before it can never decide,
			// and the verifier refuses unreachable code.
			return insns, nil
		}
	}
	return append(insns, movImm(r0, 0), exit()), nil
}

// SetV2 loads the filter and attaches it to the v2 cgroup dir. The
// attachment (not a bpf link) keeps the program alive after this process
// exits, and goes with the cgroup. The rules are first evaluated as v1's
// controller would (devState, as runc does), so both layouts take the
// same rules alike: a redundant deny with a letter the kernel does not
// know ("c 1:11 rwa" under a deny-all) is no error on either.
//
// Every attached program must allow an access, so an update attaches the
// new program and then detaches those attached before it, as runc does:
// the cgroup is never without a filter, and updates do not pile up.
func SetV2(dir string, rules []specs.LinuxDeviceCgroup) error {
	state, err := targetDevState(withDefaultDevices(rules))
	if err != nil {
		return err
	}
	insns, err := deviceFilter(state.specRules())
	if err != nil {
		return err
	}
	prog, err := loadProgram(insns)
	if err != nil {
		return fmt.Errorf("load the eBPF device filter for %s: %w", dir, err)
	}
	// Once attached the cgroup holds the kernel's own reference to the
	// program: closing this process's fd can neither undo nor fail the
	// filter, so its error says nothing about SetV2.
	defer func() { _ = unix.Close(prog) }()
	cg, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer cg.Close()
	old, err := attachedPrograms(int(cg.Fd()))
	if err != nil {
		return fmt.Errorf("list the eBPF device filters of %s: %w", dir, err)
	}
	if err := attachProgram(int(cg.Fd()), prog, unix.BPF_F_ALLOW_MULTI); err != nil {
		return fmt.Errorf("attach the eBPF device filter to %s: %w", dir, err)
	}
	for _, id := range old {
		if err := detachDeviceFilter(int(cg.Fd()), id); err != nil {
			return fmt.Errorf("detach the previous eBPF device filter from %s: %w", dir, err)
		}
	}
	return nil
}

func detachDeviceFilter(cg int, id uint32) error {
	p, err := progFDByID(id)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // gone meanwhile
		}
		return err
	}
	// The fd only names the program for the detach; the detach's own
	// error is the one that matters.
	defer func() { _ = unix.Close(p) }()
	return detachProgram(cg, p)
}

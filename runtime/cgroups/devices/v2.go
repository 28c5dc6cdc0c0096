package devices

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
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
func deviceFilter(rules []specs.LinuxDeviceCgroup) (asm.Instructions, error) {
	insns := asm.Instructions{
		asm.LoadMem(asm.R2, asm.R1, 0, asm.Word),
		asm.Mov.Reg(asm.R3, asm.R2),
		asm.And.Imm(asm.R3, 0xffff),              // type
		asm.RSh.Imm(asm.R2, 16),                  // access
		asm.LoadMem(asm.R4, asm.R1, 4, asm.Word), // major
		asm.LoadMem(asm.R5, asm.R1, 8, asm.Word), // minor
	}
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		next := "rule" + strconv.Itoa(i-1)
		var block asm.Instructions
		switch r.Type {
		case "", "a":
		case "c":
			block = append(block, asm.JNE.Imm(asm.R3, bpfDevChar, next))
		case "b":
			block = append(block, asm.JNE.Imm(asm.R3, bpfDevBlock, next))
		default:
			return nil, fmt.Errorf("linux.resources.devices[%d]: unknown type %q: use a, b or c", i, r.Type)
		}
		if r.Major != nil && *r.Major >= 0 {
			block = append(block, asm.JNE.Imm(asm.R4, int32(*r.Major), next))
		}
		if r.Minor != nil && *r.Minor >= 0 {
			block = append(block, asm.JNE.Imm(asm.R5, int32(*r.Minor), next))
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
				asm.Mov.Reg(asm.R6, asm.R2),
				asm.And.Imm(asm.R6, ^access&7),
				asm.JNE.Imm(asm.R6, 0, next))
		}
		allow := int32(0)
		if r.Allow {
			allow = 1
		}
		catchAll := len(block) == 0
		block = append(block, asm.Mov.Imm(asm.R0, allow), asm.Return())
		block[0] = block[0].WithSymbol("rule" + strconv.Itoa(i))
		insns = append(insns, block...)
		if catchAll {
			// Every access matches: the rules before it can never decide,
			// and the verifier refuses unreachable code.
			return insns, nil
		}
	}
	return append(insns, asm.Mov.Imm(asm.R0, 0).WithSymbol("rule-1"), asm.Return()), nil
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
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.CGroupDevice,
		Instructions: insns,
		License:      "Apache-2.0",
	})
	if err != nil {
		return fmt.Errorf("load the eBPF device filter for %s: %w", dir, err)
	}
	defer func() {
		// Once attached the cgroup holds the kernel's own reference to the
		// program: closing this process's fd can neither undo nor fail the
		// filter, so its error says nothing about SetV2.
		_ = prog.Close()
	}()
	cg, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	defer cg.Close()
	old, err := link.QueryPrograms(link.QueryOptions{Target: int(cg.Fd()), Attach: ebpf.AttachCGroupDevice})
	if err != nil {
		return fmt.Errorf("list the eBPF device filters of %s: %w", dir, err)
	}
	err = link.RawAttachProgram(link.RawAttachProgramOptions{
		Target:  int(cg.Fd()),
		Program: prog,
		Attach:  ebpf.AttachCGroupDevice,
		Flags:   unix.BPF_F_ALLOW_MULTI,
	})
	if err != nil {
		return fmt.Errorf("attach the eBPF device filter to %s: %w", dir, err)
	}
	for _, ap := range old.Programs {
		if err := detachDeviceFilter(cg, ap.ID); err != nil {
			return fmt.Errorf("detach the previous eBPF device filter from %s: %w", dir, err)
		}
	}
	return nil
}

func detachDeviceFilter(cg *os.File, id ebpf.ProgramID) error {
	p, err := ebpf.NewProgramFromID(id)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil // gone meanwhile
		}
		return err
	}
	defer func() {
		// The fd only names the program for the detach; the detach's own
		// error is the one that matters.
		_ = p.Close()
	}()
	return link.RawDetachProgram(link.RawDetachProgramOptions{Target: int(cg.Fd()), Program: p, Attach: ebpf.AttachCGroupDevice})
}

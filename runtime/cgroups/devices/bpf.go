package devices

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The few bpf(2) calls the v2 device filter needs, by hand. cilium/ebpf did
// them before, but its package initialisers (with go/format, debug/elf,
// compress/gzip and encoding/xml under them) cost every berth-runtime
// process, the container's init among them, about 2.7 ms before main: more
// than half of all package initialisation, for a library that only loads
// one small program on cgroup v2 hosts.

// insn is struct bpf_insn.
type insn struct {
	code uint8
	regs uint8 // dst | src<<4
	off  int16
	imm  int32
}

// The registers and opcodes the filter uses (linux/bpf.h, bpf_common.h).
const (
	r0, r1, r2, r3, r4, r5, r6 = 0, 1, 2, 3, 4, 5, 6

	opLoadWord = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W   // dst = *(u32 *)(src + off)
	opMovReg   = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_X // dst = src
	opMovImm   = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K // dst = imm
	opAndImm   = unix.BPF_ALU64 | unix.BPF_AND | unix.BPF_K // dst &= imm
	opRshImm   = unix.BPF_ALU64 | unix.BPF_RSH | unix.BPF_K // dst >>= imm
	opJneImm   = unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K   // if dst != imm: pc += off
	opExit     = unix.BPF_JMP | unix.BPF_EXIT               // return r0
	bpfExitReg = 0
)

func loadWord(dst, src uint8, off int16) insn { return insn{opLoadWord, dst | src<<4, off, 0} }
func movReg(dst, src uint8) insn              { return insn{opMovReg, dst | src<<4, 0, 0} }
func movImm(dst uint8, imm int32) insn        { return insn{opMovImm, dst, 0, imm} }
func andImm(dst uint8, imm int32) insn        { return insn{opAndImm, dst, 0, imm} }
func rshImm(dst uint8, imm int32) insn        { return insn{opRshImm, dst, 0, imm} }
func exit() insn                              { return insn{opExit, bpfExitReg, 0, 0} }

// jneNext is "if dst != imm, go to the next rule": its offset is set by
// endBlock once the rule's block is complete.
func jneNext(dst uint8, imm int32) insn { return insn{opJneImm, dst, 0, imm} }

// endBlock points block's jumps past its end, where the next rule's block
// (or the final deny) starts.
func endBlock(block []insn) []insn {
	for i := range block {
		if block[i].code == opJneImm {
			block[i].off = int16(len(block) - i - 1)
		}
	}
	return block
}

func bpf(cmd int, attr unsafe.Pointer, size uintptr) (int, error) {
	for {
		r, _, errno := unix.Syscall(unix.SYS_BPF, uintptr(cmd), uintptr(attr), size)
		// EAGAIN: the verifier was interrupted (a signal); try again.
		if errno == unix.EAGAIN || errno == unix.EINTR {
			continue
		}
		if errno != 0 {
			return -1, errno
		}
		return int(r), nil
	}
}

// progLoadAttr is bpf_attr's BPF_PROG_LOAD part, as far as used.
type progLoadAttr struct {
	progType    uint32
	insnCnt     uint32
	insns       uint64
	license     uint64
	logLevel    uint32
	logSize     uint32
	logBuf      uint64
	kernVersion uint32
	progFlags   uint32
}

var license = []byte("Apache-2.0\x00")

// loadProgram loads insns as a BPF_PROG_TYPE_CGROUP_DEVICE program and
// returns its fd (close-on-exec, as every bpf fd). On the verifier's
// refusal it loads again with the log on, to say why.
func loadProgram(insns []insn) (int, error) {
	attr := progLoadAttr{
		progType: unix.BPF_PROG_TYPE_CGROUP_DEVICE,
		insnCnt:  uint32(len(insns)),
		insns:    uint64(uintptr(unsafe.Pointer(&insns[0]))),
		license:  uint64(uintptr(unsafe.Pointer(&license[0]))),
	}
	fd, err := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	if err == nil {
		runtime.KeepAlive(insns)
		return fd, nil
	}
	log := make([]byte, 64<<10)
	attr.logLevel, attr.logSize, attr.logBuf = 1, uint32(len(log)), uint64(uintptr(unsafe.Pointer(&log[0])))
	if fd, lerr := bpf(unix.BPF_PROG_LOAD, unsafe.Pointer(&attr), unsafe.Sizeof(attr)); lerr == nil {
		return fd, nil // passed the second time: whatever failed was transient
	}
	runtime.KeepAlive(insns)
	if msg := unix.ByteSliceToString(log); msg != "" {
		return -1, fmt.Errorf("%w: %s", err, msg)
	}
	return -1, err
}

// attachAttr is bpf_attr's BPF_PROG_ATTACH and BPF_PROG_DETACH part.
type attachAttr struct {
	targetFD    uint32
	attachBPFFD uint32
	attachType  uint32
	attachFlags uint32
}

func attachProgram(cgFD, progFD int, flags uint32) error {
	attr := attachAttr{uint32(cgFD), uint32(progFD), unix.BPF_CGROUP_DEVICE, flags}
	_, err := bpf(unix.BPF_PROG_ATTACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

func detachProgram(cgFD, progFD int) error {
	attr := attachAttr{uint32(cgFD), uint32(progFD), unix.BPF_CGROUP_DEVICE, 0}
	_, err := bpf(unix.BPF_PROG_DETACH, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	return err
}

// queryAttr is bpf_attr's BPF_PROG_QUERY part.
type queryAttr struct {
	targetFD    uint32
	attachType  uint32
	queryFlags  uint32
	attachFlags uint32
	progIDs     uint64
	progCnt     uint32
	_           uint32
}

// maxCgroupProgs is the kernel's BPF_CGROUP_MAX_PROGS: no cgroup holds more
// programs of one attach type.
const maxCgroupProgs = 64

// attachedPrograms are the ids of the device programs attached to cgFD.
func attachedPrograms(cgFD int) ([]uint32, error) {
	ids := make([]uint32, maxCgroupProgs)
	attr := queryAttr{targetFD: uint32(cgFD), attachType: unix.BPF_CGROUP_DEVICE,
		progIDs: uint64(uintptr(unsafe.Pointer(&ids[0]))), progCnt: uint32(len(ids))}
	_, err := bpf(unix.BPF_PROG_QUERY, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
	runtime.KeepAlive(ids)
	if err != nil {
		return nil, err
	}
	return ids[:attr.progCnt], nil
}

// progFDByID opens the program with id (ENOENT once it is gone).
func progFDByID(id uint32) (int, error) {
	attr := struct{ id, nextID, openFlags uint32 }{id: id}
	return bpf(unix.BPF_PROG_GET_FD_BY_ID, unsafe.Pointer(&attr), unsafe.Sizeof(attr))
}

package seccomp

import (
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Offsets in struct seccomp_data: nr, arch, then args[6] of 8 bytes each,
// the low half first on the little-endian hosts the plan allows.
const (
	offNr   = 0
	offArch = 4
	offArgs = 16

	archX86_64 = unix.AUDIT_ARCH_X86_64
	enosysRet  = unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)
)

// segment is a range of syscall numbers [lo, next segment's lo) with one
// outcome: a return value, or (sys != nil) a syscall's argument tests.
type segment struct {
	lo  uint32
	ret uint32
	sys *sysPlan
}

// segments cuts the 32-bit number space of a into ranges of one outcome,
// adjacent ranges of the same constant outcome merged: what the binary
// search dispatches on.
func (p *plan) segments(a *archPlan) []segment {
	enosys := func(nr uint32) bool { return a.enosysAbove >= 0 && int64(nr) > a.enosysAbove && nr < x32Bit }
	// base is the outcome of a number no rule names.
	base := func(nr uint32) uint32 {
		switch {
		case enosys(nr):
			return enosysRet
		case a.audit == archX86_64 && !a.withX32 && nr >= x32Bit && nr != 0xffffffff:
			return p.badArch // libseccomp's "filter out x32"
		}
		return p.def
	}
	// Points where base changes, and every named syscall and the number
	// after it.
	cuts := []uint32{0, x32Bit, 0xffffffff}
	if a.enosysAbove >= 0 && a.enosysAbove < x32Bit-1 {
		cuts = append(cuts, uint32(a.enosysAbove+1))
	}
	for nr := range a.sys {
		cuts = append(cuts, nr)
		if nr != 0xffffffff {
			cuts = append(cuts, nr+1)
		}
	}
	slices.Sort(cuts)
	cuts = slices.Compact(cuts)
	var segs []segment
	for _, lo := range cuts {
		s := segment{lo: lo, ret: base(lo)}
		if sp := a.sys[lo]; sp != nil && !enosys(lo) {
			s.ret = sp.act
			if !sp.always() {
				s.sys = sp
			}
		}
		if n := len(segs); n > 0 && s.sys == nil && segs[n-1].sys == nil && segs[n-1].ret == s.ret {
			continue
		}
		segs = append(segs, s)
	}
	return segs
}

// generate emits the program:
//
//	ld arch; jeq AUDIT_1 -> section 1; jeq AUDIT_2 -> section 2; ...; ret bad arch
//	section: ld nr; binary search over the segments; argument tests; returns
func (p *plan) generate() ([]bpf.Instruction, error) {
	var g asm
	g.emit(bpf.LoadAbsolute{Off: offArch, Size: 4})
	sections := make([]label, len(p.archs))
	for i, a := range p.archs {
		sections[i] = g.newLabel()
		g.jump(bpf.JumpEqual, a.audit, sections[i], label(-1))
	}
	g.emit(bpf.RetConstant{Val: p.badArch})
	for i, a := range p.archs {
		g.place(sections[i])
		g.rets = map[uint32]label{}
		g.emit(bpf.LoadAbsolute{Off: offNr, Size: 4})
		segs := p.segments(a)
		var blocks []segment
		g.search(segs, &blocks)
		for _, s := range blocks {
			g.place(g.blockLabel(s.sys))
			g.argTests(s.sys, g.ret(s.ret), g.ret(p.def))
		}
		g.flushRets()
	}
	return g.resolve()
}

// search emits a binary search over segs, with A holding the number: each
// test splits the ranges in halves, and a single range is its outcome's
// label (a shared return, or its argument tests, appended to blocks).
func (g *asm) search(segs []segment, blocks *[]segment) label {
	if len(segs) == 1 {
		s := segs[0]
		if s.sys == nil {
			return g.ret(s.ret)
		}
		if _, ok := g.blocks[s.sys]; !ok {
			*blocks = append(*blocks, s)
		}
		return g.blockLabel(s.sys)
	}
	here := g.newLabel()
	g.place(here)
	mid := len(segs) / 2
	at := g.jump(bpf.JumpGreaterOrEqual, segs[mid].lo, label(-1), label(-1))
	g.ins[at].jf = g.search(segs[:mid], blocks)
	g.ins[at].jt = g.search(segs[mid:], blocks)
	return here
}

func (g *asm) blockLabel(s *sysPlan) label {
	if g.blocks == nil {
		g.blocks = map[*sysPlan]label{}
	}
	l, ok := g.blocks[s]
	if !ok {
		l = g.newLabel()
		g.blocks[s] = l
	}
	return l
}

// argTests emits s's rules: each a chain of tests that goes on to the next
// rule at the first that fails, and to pass when all hold.
func (g *asm) argTests(s *sysPlan, pass, fail label) {
	for i, r := range s.rules {
		next := fail
		if i < len(s.rules)-1 {
			next = g.newLabel()
		}
		for j, c := range r {
			ok := pass
			if j < len(r)-1 {
				ok = g.newLabel()
			}
			g.test(c, ok, next)
			if ok != pass {
				g.place(ok)
			}
		}
		if next != fail {
			g.place(next)
		}
	}
}

// test emits one comparison of a 64-bit argument as 32-bit halves, the
// high half first (libseccomp's diagrams in db.c), or of the low half
// alone on a 32-bit architecture.
func (g *asm) test(c cmp, pass, fail label) {
	lo, hi := offArgs+8*uint32(c.arg), offArgs+8*uint32(c.arg)+4
	vlo, vhi := uint32(c.val), uint32(c.val>>32)
	ldLo := func() { g.emit(bpf.LoadAbsolute{Off: lo, Size: 4}) }
	ldHi := func() { g.emit(bpf.LoadAbsolute{Off: hi, Size: 4}) }
	switch c.op {
	case "SCMP_CMP_EQ", "SCMP_CMP_NE":
		t, f := pass, fail
		if c.op == "SCMP_CMP_NE" {
			t, f = fail, pass
		}
		if !c.lo {
			next := g.newLabel()
			ldHi()
			g.jump(bpf.JumpEqual, vhi, next, f)
			g.place(next)
		}
		ldLo()
		g.jump(bpf.JumpEqual, vlo, t, f)
	case "SCMP_CMP_GT", "SCMP_CMP_GE", "SCMP_CMP_LT", "SCMP_CMP_LE":
		// LT is not GE, LE is not GT.
		t, f := pass, fail
		if c.op == "SCMP_CMP_LT" || c.op == "SCMP_CMP_LE" {
			t, f = fail, pass
		}
		if !c.lo {
			eq, next := g.newLabel(), g.newLabel()
			ldHi()
			g.jump(bpf.JumpGreaterThan, vhi, t, eq)
			g.place(eq)
			g.jump(bpf.JumpEqual, vhi, next, f)
			g.place(next)
		}
		ldLo()
		if c.op == "SCMP_CMP_GT" || c.op == "SCMP_CMP_LE" {
			g.jump(bpf.JumpGreaterThan, vlo, t, f)
		} else {
			g.jump(bpf.JumpGreaterOrEqual, vlo, t, f)
		}
	case "SCMP_CMP_MASKED_EQ":
		mlo, mhi := uint32(c.mask), uint32(c.mask>>32)
		if c.lo {
			mhi = 0
		}
		halves := []struct {
			ld      func()
			mask, v uint32
		}{{ldHi, mhi, vhi}, {ldLo, mlo, vlo}}
		halves = slices.DeleteFunc(halves, func(h struct {
			ld      func()
			mask, v uint32
		}) bool {
			return h.mask == 0 // (A & 0) == 0 holds
		})
		for i, h := range halves {
			t := pass
			if i < len(halves)-1 {
				t = g.newLabel()
			}
			h.ld()
			if h.mask != 0xffffffff {
				g.emit(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: h.mask})
			}
			g.jump(bpf.JumpEqual, h.v, t, fail)
			if t != pass {
				g.place(t)
			}
		}
		if len(halves) == 0 {
			g.emit(bpf.Jump{})
			g.ins[len(g.ins)-1].jt = pass
		}
	default:
		panic(fmt.Sprintf("seccomp codegen: operator %q", c.op)) // newPlan refuses it
	}
}

// label names an instruction to jump to.
type label int

// asm collects instructions whose jumps name labels; resolve lays them
// out.
type asm struct {
	ins    []insn
	pos    []int // label -> index of its instruction, -1 until placed
	rets   map[uint32]label
	blocks map[*sysPlan]label
}

type insn struct {
	in     bpf.Instruction
	jt, jf label // of a JumpIf or (jt) a Jump
}

func (g *asm) newLabel() label {
	g.pos = append(g.pos, -1)
	return label(len(g.pos) - 1)
}

func (g *asm) place(l label) { g.pos[l] = len(g.ins) }

func (g *asm) emit(in bpf.Instruction) int {
	g.ins = append(g.ins, insn{in: in, jt: -1, jf: -1})
	return len(g.ins) - 1
}

// jump emits a conditional jump; a label of -1 is the instruction after
// it, a label of its own so that a trampoline put after the jump keeps it.
func (g *asm) jump(cond bpf.JumpTest, k uint32, jt, jf label) int {
	i := g.emit(bpf.JumpIf{Cond: cond, Val: k})
	next := func(l label) label {
		if l >= 0 {
			return l
		}
		n := g.newLabel()
		g.pos[n] = i + 1
		return n
	}
	g.ins[i].jt, g.ins[i].jf = next(jt), next(jf)
	return i
}

// ret is the label of a return of k in the current section, emitted by
// flushRets at its end.
func (g *asm) ret(k uint32) label {
	l, ok := g.rets[k]
	if !ok {
		l = g.newLabel()
		g.rets[k] = l
	}
	return l
}

func (g *asm) flushRets() {
	for _, k := range slices.Sorted(maps.Keys(g.rets)) {
		g.place(g.rets[k])
		g.emit(bpf.RetConstant{Val: k})
	}
}

// resolve turns labels into skips. A conditional jump reaches at most 255
// instructions ahead; a farther target gets a trampoline (an unconditional
// jump, 32-bit reach) right after the jump, until every jump fits.
func (g *asm) resolve() ([]bpf.Instruction, error) {
	for again := true; again; {
		again = false
		for i := range g.ins {
			if _, ok := g.ins[i].in.(bpf.JumpIf); !ok {
				continue
			}
			for _, false_ := range []bool{false, true} {
				l := g.ins[i].jt
				if false_ {
					l = g.ins[i].jf
				}
				if l < 0 || g.pos[l]-i-1 <= 255 {
					continue
				}
				g.insert(i+1, insn{in: bpf.Jump{}, jt: l, jf: -1})
				t := g.newLabel()
				g.pos[t] = i + 1
				if false_ {
					g.ins[i].jf = t
				} else {
					g.ins[i].jt = t
				}
				again = true
			}
			if again {
				break
			}
		}
	}
	out := make([]bpf.Instruction, len(g.ins))
	for i, in := range g.ins {
		skip := func(l label) (uint32, error) {
			if l < 0 {
				return 0, nil
			}
			d := g.pos[l] - i - 1
			if g.pos[l] < 0 || d < 0 {
				return 0, fmt.Errorf("seccomp codegen: jump %d -> %d", i, g.pos[l])
			}
			return uint32(d), nil
		}
		switch x := in.in.(type) {
		case bpf.JumpIf:
			t, err := skip(in.jt)
			if err != nil {
				return nil, err
			}
			f, err := skip(in.jf)
			if err != nil {
				return nil, err
			}
			x.SkipTrue, x.SkipFalse = uint8(t), uint8(f)
			out[i] = x
		case bpf.Jump:
			t, err := skip(in.jt)
			if err != nil {
				return nil, err
			}
			x.Skip = t
			out[i] = x
		default:
			out[i] = in.in
		}
	}
	return out, nil
}

// insert puts in at index at, moving the labels at or after it.
func (g *asm) insert(at int, in insn) {
	g.ins = slices.Insert(g.ins, at, in)
	for l, p := range g.pos {
		if p >= at {
			g.pos[l] = p + 1
		}
	}
}

// encode is bpf.Assemble's output as struct sock_filter[] in host order.
func encode(prog []bpf.Instruction) ([]byte, error) {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return nil, fmt.Errorf("seccomp codegen: %w", err)
	}
	out := make([]byte, 0, 8*len(raw))
	for _, r := range raw {
		out = binary.NativeEndian.AppendUint16(out, r.Op)
		out = append(out, r.Jt, r.Jf)
		out = binary.NativeEndian.AppendUint32(out, r.K)
	}
	return out, nil
}

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
		g.search(segs, 1<<32, &blocks)
		for _, s := range blocks {
			g.place(g.blockLabel(s.sys))
			g.argTests(s.sys, g.ret(s.ret), g.ret(p.def))
		}
		g.flushRets()
	}
	return g.resolve()
}

// search emits a binary search over segs, which end at end, with A holding
// the number: each test splits the ranges in halves, and a single range is
// its outcome's label (a shared return, or its argument tests, appended to
// blocks). Ranges that are all one outcome but for a few single numbers
// are a chain of equality tests instead, fewer instructions than the
// search (two tests a number).
func (g *asm) search(segs []segment, end uint64, blocks *[]segment) label {
	if len(segs) == 1 {
		return g.outcome(segs[0], blocks)
	}
	if bg, points, ok := chain(segs, end); ok {
		here := g.newLabel()
		g.place(here)
		for i, p := range points {
			var next label = -1
			if i == len(points)-1 {
				next = g.outcome(bg, blocks)
			}
			g.jump(bpf.JumpEqual, p.lo, g.outcome(p, blocks), next)
		}
		return here
	}
	here := g.newLabel()
	g.place(here)
	mid := len(segs) / 2
	at := g.jump(bpf.JumpGreaterOrEqual, segs[mid].lo, label(-1), label(-1))
	g.ins[at].jf = g.search(segs[:mid], uint64(segs[mid].lo), blocks)
	g.ins[at].jt = g.search(segs[mid:], end, blocks)
	return here
}

// maxChain is the most single numbers chain tests one by one.
const maxChain = 4

// chain finds an outcome bg of segs such that every segment of another
// outcome is a single number, and at most maxChain of them.
func chain(segs []segment, end uint64) (bg segment, points []segment, ok bool) {
	single := func(i int) bool {
		next := end
		if i+1 < len(segs) {
			next = uint64(segs[i+1].lo)
		}
		return next == uint64(segs[i].lo)+1
	}
	for i, cand := range segs {
		if single(i) {
			continue
		}
		points = points[:0]
		for j, s := range segs {
			if s.ret == cand.ret && s.sys == cand.sys {
				continue
			}
			if !single(j) || len(points) == maxChain {
				points = nil
				break
			}
			points = append(points, s)
		}
		if points != nil {
			return cand, points, true
		}
	}
	return segment{}, nil, false
}

func (g *asm) outcome(s segment, blocks *[]segment) label {
	if s.sys == nil {
		return g.ret(s.ret)
	}
	if _, ok := g.blocks[s.sys]; !ok {
		*blocks = append(*blocks, s)
	}
	return g.blockLabel(s.sys)
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
// instructions ahead; a jump to a farther target goes to a stand-in for
// it: a copy of the return it jumps to, or an unconditional jump (32-bit
// reach). Stand-ins are shared by every jump within reach of one, and put
// as far ahead as the jump reaches, so that the most later jumps can share
// them, until every jump fits.
func (g *asm) resolve() ([]bpf.Instruction, error) {
	standIns := map[label][]label{}
	for again := true; again; {
		again = false
		for i := 0; i < len(g.ins) && !again; i++ {
			if _, ok := g.ins[i].in.(bpf.JumpIf); !ok {
				continue
			}
			for _, br := range []*label{&g.ins[i].jt, &g.ins[i].jf} {
				l := *br
				if g.pos[l]-i-1 <= 255 {
					continue
				}
				if f := slices.IndexFunc(standIns[l], func(f label) bool {
					d := g.pos[f] - i - 1
					return d >= 0 && d <= 255
				}); f >= 0 {
					*br = standIns[l][f]
					continue
				}
				at := i + 1
				for j := min(i+256, len(g.ins)); j > i+1; j-- {
					if !fallsThrough(g.ins[j-1].in) {
						at = j
						break
					}
				}
				in := insn{in: bpf.Jump{}, jt: l, jf: -1}
				if r, ok := g.ins[g.pos[l]].in.(bpf.RetConstant); ok {
					in = insn{in: r, jt: -1, jf: -1}
				}
				// br points into g.ins, which insert reallocates.
				jf := br == &g.ins[i].jf
				g.insert(at, in)
				f := g.newLabel()
				g.pos[f] = at
				standIns[l] = append(standIns[l], f)
				if jf {
					g.ins[i].jf = f
				} else {
					g.ins[i].jt = f
				}
				again = true
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

// fallsThrough says whether in may go on to the next instruction other
// than through a label: an instruction can be put after one that does not.
func fallsThrough(in bpf.Instruction) bool {
	switch in.(type) {
	case bpf.JumpIf, bpf.Jump, bpf.RetConstant:
		return false
	}
	return true
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

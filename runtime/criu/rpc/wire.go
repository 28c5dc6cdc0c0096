package rpc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Protobuf wire types.
const (
	wireVarint = 0
	wire64     = 1
	wireBytes  = 2
	wire32     = 5
)

// enc appends fields in field-number order, as proto.Marshal does; an unset
// (nil) field is left out, a set one is written even when zero.
type enc []byte

func (e *enc) key(num, wire int) { *e = binary.AppendUvarint(*e, uint64(num)<<3|uint64(wire)) }

func (e *enc) uvarint(num int, v uint64) {
	e.key(num, wireVarint)
	*e = binary.AppendUvarint(*e, v)
}

// int32 fields are varints of the value sign-extended to 64 bits.
func (e *enc) int32(num int, v *int32) {
	if v != nil {
		e.uvarint(num, uint64(int64(*v)))
	}
}

func (e *enc) uint32(num int, v *uint32) {
	if v != nil {
		e.uvarint(num, uint64(*v))
	}
}

func (e *enc) bool(num int, v *bool) {
	if v != nil {
		b := uint64(0)
		if *v {
			b = 1
		}
		e.uvarint(num, b)
	}
}

func (e *enc) bytes(num int, b []byte) {
	e.key(num, wireBytes)
	*e = binary.AppendUvarint(*e, uint64(len(b)))
	*e = append(*e, b...)
}

func (e *enc) string(num int, v *string) {
	if v != nil {
		e.bytes(num, []byte(*v))
	}
}

// message writes a sub-message: m appends its fields.
func (e *enc) message(num int, m func(*enc)) {
	var sub enc
	m(&sub)
	e.bytes(num, sub)
}

func (x *CriuPageServerInfo) encode(e *enc) {
	e.string(1, x.Address)
	e.int32(2, x.Port)
	e.int32(3, x.Pid)
	e.int32(4, x.Fd)
}

func (x *ExtMountMap) encode(e *enc) {
	e.string(1, x.Key)
	e.string(2, x.Val)
}

func (x *CgroupRoot) encode(e *enc) {
	e.string(1, x.Ctrl)
	e.string(2, x.Path)
}

func (x *InheritFd) encode(e *enc) {
	e.string(1, x.Key)
	e.int32(2, x.Fd)
}

func (x *JoinNamespace) encode(e *enc) {
	e.string(1, x.Ns)
	e.string(2, x.NsFile)
	e.string(3, x.ExtraOpt)
}

func (x *CriuOpts) encode(e *enc) {
	e.int32(1, x.ImagesDirFd)
	e.int32(2, x.Pid)
	e.bool(3, x.LeaveRunning)
	e.bool(4, x.ExtUnixSk)
	e.bool(5, x.TcpEstablished)
	e.bool(6, x.EvasiveDevices)
	e.bool(7, x.ShellJob)
	e.bool(8, x.FileLocks)
	e.int32(9, x.LogLevel)
	e.string(10, x.LogFile)
	if x.Ps != nil {
		e.message(11, x.Ps.encode)
	}
	e.bool(12, x.NotifyScripts)
	e.string(13, x.Root)
	e.string(14, x.ParentImg)
	e.bool(15, x.TrackMem)
	e.bool(16, x.AutoDedup)
	e.int32(17, x.WorkDirFd)
	e.bool(18, x.LinkRemap)
	for _, m := range x.ExtMnt {
		e.message(23, m.encode)
	}
	e.bool(24, x.ManageCgroups)
	for _, r := range x.CgRoot {
		e.message(25, r.encode)
	}
	e.bool(26, x.RstSibling)
	for _, f := range x.InheritFd {
		e.message(27, f.encode)
	}
	if x.ManageCgroupsMode != nil {
		e.uvarint(34, uint64(int64(*x.ManageCgroupsMode)))
	}
	for _, s := range x.External {
		e.bytes(37, []byte(s))
	}
	e.uint32(38, x.EmptyNs)
	for _, j := range x.JoinNs {
		e.message(39, j.encode)
	}
	e.string(44, x.FreezeCgroup)
	e.bool(46, x.TcpSkipInFlight)
	e.bool(48, x.LazyPages)
	e.int32(49, x.StatusFd)
	e.bool(50, x.OrphanPtsMaster)
	e.string(51, x.ConfigFile)
	e.string(53, x.LsmProfile)
	e.string(63, x.LsmMountContext)
}

// Marshal encodes a request as CRIU reads it. rpc.proto's required fields
// are the caller's to set: a request without a type is refused.
func Marshal(x *CriuReq) ([]byte, error) {
	if x == nil || x.Type == nil {
		return nil, errors.New("criu request: type not set")
	}
	if o := x.Opts; o != nil && o.ImagesDirFd == nil {
		return nil, errors.New("criu request: images_dir_fd not set")
	}
	var e enc
	e.uvarint(1, uint64(int64(*x.Type)))
	if x.Opts != nil {
		e.message(2, x.Opts.encode)
	}
	e.bool(3, x.NotifySuccess)
	return e, nil
}

// dec reads one message's fields.
type dec struct {
	b []byte
}

var errTruncated = errors.New("truncated message")

func (d *dec) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		return 0, errTruncated
	}
	d.b = d.b[n:]
	return v, nil
}

// next returns the next field's number and wire type.
func (d *dec) next() (int, int, error) {
	k, err := d.uvarint()
	if err != nil {
		return 0, 0, err
	}
	if k>>3 == 0 || k>>3 > 1<<29-1 {
		return 0, 0, fmt.Errorf("invalid field number %d", k>>3)
	}
	return int(k >> 3), int(k & 7), nil
}

func (d *dec) bytes() ([]byte, error) {
	n, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	if n > uint64(len(d.b)) {
		return nil, errTruncated
	}
	b := d.b[:n]
	d.b = d.b[n:]
	return b, nil
}

// skip passes over a field this package does not read.
func (d *dec) skip(wire int) error {
	switch wire {
	case wireVarint:
		_, err := d.uvarint()
		return err
	case wire64, wire32:
		n := 8
		if wire == wire32 {
			n = 4
		}
		if len(d.b) < n {
			return errTruncated
		}
		d.b = d.b[n:]
		return nil
	case wireBytes:
		_, err := d.bytes()
		return err
	}
	return fmt.Errorf("unsupported wire type %d", wire)
}

// fields calls f for each field; f returns false to have it skipped.
func (d *dec) fields(f func(num, wire int) (bool, error)) error {
	for len(d.b) > 0 {
		num, wire, err := d.next()
		if err != nil {
			return err
		}
		read, err := f(num, wire)
		if err != nil {
			return fmt.Errorf("field %d: %w", num, err)
		}
		if !read {
			if err := d.skip(wire); err != nil {
				return fmt.Errorf("field %d: %w", num, err)
			}
		}
	}
	return nil
}

func (d *dec) int32(wire int) (*int32, error) {
	if wire != wireVarint {
		return nil, fmt.Errorf("wire type %d, want varint", wire)
	}
	v, err := d.uvarint()
	i := int32(v)
	return &i, err
}

func (d *dec) bool(wire int) (*bool, error) {
	v, err := d.int32(wire)
	if v == nil {
		return nil, err
	}
	b := *v != 0
	return &b, err
}

func (d *dec) string(wire int) (*string, error) {
	if wire != wireBytes {
		return nil, fmt.Errorf("wire type %d, want bytes", wire)
	}
	b, err := d.bytes()
	s := string(b)
	return &s, err
}

func (d *dec) message(wire int) (*dec, error) {
	if wire != wireBytes {
		return nil, fmt.Errorf("wire type %d, want bytes", wire)
	}
	b, err := d.bytes()
	return &dec{b: b}, err
}

// Unmarshal decodes a response from CRIU into x, which it resets first.
// Fields this package does not know are skipped.
func Unmarshal(b []byte, x *CriuResp) error {
	*x = CriuResp{}
	d := &dec{b: b}
	err := d.fields(func(num, wire int) (bool, error) {
		var err error
		switch num {
		case 1:
			var v *int32
			if v, err = d.int32(wire); v != nil {
				t := CriuReqType(*v)
				x.Type = &t
			}
		case 2:
			x.Success, err = d.bool(wire)
		case 4:
			var m *dec
			if m, err = d.message(wire); err == nil {
				x.Restore = &CriuRestoreResp{}
				err = m.fields(func(num, wire int) (bool, error) {
					if num != 1 {
						return false, nil
					}
					var err error
					x.Restore.Pid, err = m.int32(wire)
					return true, err
				})
			}
		case 5:
			var m *dec
			if m, err = d.message(wire); err == nil {
				x.Notify = &CriuNotify{}
				err = m.fields(func(num, wire int) (bool, error) {
					var err error
					switch num {
					case 1:
						x.Notify.Script, err = m.string(wire)
					case 2:
						x.Notify.Pid, err = m.int32(wire)
					default:
						return false, nil
					}
					return true, err
				})
			}
		case 7:
			x.CrErrno, err = d.int32(wire)
		case 9:
			x.CrErrmsg, err = d.string(wire)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return fmt.Errorf("criu response: %w", err)
	}
	return nil
}

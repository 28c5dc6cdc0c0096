package eventlog

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// ReadOptions choose the events Read gives.
type ReadOptions struct {
	// Since and Until bound the events' times, both inclusive; zero is
	// unbounded. Following with neither gives only events from now on;
	// with either, the logged ones first (as dockerd's buffer).
	Since, Until time.Time
	// Follow waits for new events until Until passes or Done is closed.
	Follow bool
	Done   <-chan struct{}
}

// Read calls fn for each event of the log in the order written, oldest
// file first. Torn and corrupt records are skipped.
func (l *Log) Read(o ReadOptions, fn func(Event) error) error {
	var lo, hi int64 = o.Since.UnixNano(), 1<<63 - 1
	if o.Since.IsZero() {
		lo = 0
	}
	if !o.Until.IsZero() {
		hi = o.Until.UnixNano()
	}
	s := scanner{lo: lo, hi: hi, fn: fn}
	past := !o.Follow || !o.Since.IsZero() || !o.Until.IsZero()
	if past {
		for i := keep; i >= 1; i-- {
			f, err := os.Open(l.rotated(i))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("read event log: %w", err)
			}
			err = s.scanFile(f)
			f.Close()
			if err != nil {
				return err
			}
		}
	}
	path := filepath.Join(l.dir, current)
	f, err := os.Open(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read event log: %w", err)
	}
	if f != nil {
		defer func() { f.Close() }()
	}
	if !o.Follow {
		if f == nil {
			return nil
		}
		return s.scanFile(f)
	}
	if f != nil && !past {
		if _, err := f.Seek(0, io.SeekEnd); err != nil {
			return fmt.Errorf("read event log %s: %w", path, err)
		}
	}
	return l.follow(f, &s, o)
}

// follow reads the current file as it grows, and its successor when it
// is rotated, woken by inotify on the directory (and a poll besides, for
// file systems that do not notify).
func (l *Log) follow(f *os.File, s *scanner, o ReadOptions) error {
	if err := os.MkdirAll(l.dir, 0o700); err != nil {
		return fmt.Errorf("make event log directory: %w", err)
	}
	ino, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("watch event log: %w", err)
	}
	defer unix.Close(ino)
	if _, err := unix.InotifyAddWatch(ino, l.dir, unix.IN_MODIFY|unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		return fmt.Errorf("watch event log %s: %w", l.dir, err)
	}
	path := filepath.Join(l.dir, current)
	var buf []byte
	chunk := make([]byte, 64<<10)
	drain := func(final bool) error {
		for f != nil {
			n, err := f.Read(chunk)
			buf = append(buf, chunk[:n]...)
			if err == io.EOF || n == 0 {
				break
			}
			if err != nil {
				return fmt.Errorf("read event log %s: %w", path, err)
			}
		}
		used, err := s.scan(buf, final)
		buf = buf[:copy(buf, buf[used:])]
		return err
	}
	for {
		if err := drain(false); err != nil {
			return err
		}
		// A new file at the path: the old one was rotated (or there was
		// none). Finish the old one, then go on with the new.
		if st, err := os.Stat(path); err == nil {
			var old os.FileInfo
			if f != nil {
				old, _ = f.Stat()
			}
			if old == nil || !os.SameFile(st, old) {
				if err := drain(true); err != nil {
					return err
				}
				if f != nil {
					f.Close()
				}
				if f, err = os.Open(path); err != nil {
					f = nil
				}
				continue
			}
		}
		wait := 500 * time.Millisecond
		if s.hi != 1<<63-1 {
			left := time.Until(time.Unix(0, s.hi))
			if left < 0 {
				return drain(true)
			}
			wait = min(wait, left+time.Millisecond)
		}
		select {
		case <-o.Done:
			return nil
		default:
		}
		if err := waitInotify(ino, wait, o.Done); err != nil {
			return err
		}
	}
}

// waitInotify waits up to d for a change in the watched directory, waking
// every 100 ms to see whether done is closed.
func waitInotify(ino int, d time.Duration, done <-chan struct{}) error {
	end := time.Now().Add(d)
	for {
		left := time.Until(end)
		if left <= 0 {
			return nil
		}
		fds := []unix.PollFd{{Fd: int32(ino), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(min(left, 100*time.Millisecond)/time.Millisecond)+1)
		if err != nil && err != unix.EINTR {
			return fmt.Errorf("wait for events: %w", err)
		}
		if n > 0 {
			var ev [4096]byte
			_, _ = unix.Read(ino, ev[:]) // drain; which file changed does not matter
			return nil
		}
		select {
		case <-done:
			return nil
		default:
		}
	}
}

// scanFile scans a file to its end in chunks, so that a read of a big log
// needs little memory (and the kernel little page-faulting).
func (s *scanner) scanFile(f *os.File) error {
	buf := make([]byte, 0, 1<<20)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // a frame longer than the buffer
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		eof := err == io.EOF || (err == nil && n == 0)
		if err != nil && !eof {
			return fmt.Errorf("read event log %s: %w", f.Name(), err)
		}
		used, serr := s.scan(buf, eof)
		if serr != nil || eof {
			return serr
		}
		buf = buf[:copy(buf, buf[used:])]
	}
}

// scanner parses frames and hands on those in [lo, hi].
type scanner struct {
	lo, hi int64
	fn     func(Event) error
}

// scan parses the frames in b and returns how many bytes it is done with.
// When final, b is all there will be and a partial frame at its end is
// skipped; else it is left for more bytes to complete it.
func (s *scanner) scan(b []byte, final bool) (int, error) {
	i := 0
	for i < len(b) {
		if !bytes.HasPrefix(b[i:], []byte(magic)) {
			j := bytes.Index(b[i+1:], []byte(magic))
			if j < 0 {
				if final {
					return len(b), nil
				}
				return max(i, len(b)-len(magic)+1), nil
			}
			i += 1 + j
			continue
		}
		if len(b)-i < headerLen {
			if final {
				return len(b), nil
			}
			return i, nil
		}
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		if n > maxPayload {
			i++
			continue
		}
		end := i + headerLen + n
		// A record cut short is followed by the next one's magic inside
		// the length it claims: it is torn.
		if j := bytes.Index(b[i+len(magic):min(end, len(b))], []byte(magic)); j >= 0 {
			i += len(magic) + j
			continue
		}
		if end > len(b) {
			if final {
				return len(b), nil
			}
			return i, nil
		}
		if crc32.Checksum(b[i+12:end], castagnoli) != binary.LittleEndian.Uint32(b[i+8:]) {
			i++
			continue
		}
		if t := int64(binary.LittleEndian.Uint64(b[i+12:])); t >= s.lo && t <= s.hi {
			if ev, err := unmarshal(b[i+headerLen:end], t); err == nil {
				if err := s.fn(ev); err != nil {
					return end, err
				}
			}
		}
		i = end
	}
	return i, nil
}

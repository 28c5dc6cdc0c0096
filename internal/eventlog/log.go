package eventlog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// A frame is
//
//	magic "\xffbev" | length uint32 | crc32c uint32 | time int64 (unix ns) | payload
//
// little-endian, the CRC over time and payload (event.go: its text is
// UTF-8, which never holds the byte 0xff). A reader that finds a bad frame
// searches for the next magic and goes on from there.
const (
	magic     = "\xffbev"
	headerLen = 4 + 4 + 4 + 8
	// maxPayload bounds a frame's length, so a torn length is seen as
	// torn rather than waited for.
	maxPayload = 1 << 20
)

const (
	// DefaultMaxSize is the size at which the log is rotated.
	DefaultMaxSize = 64 << 20
	// keep is how many rotated files stay beside the current one.
	keep = 2
	// current is the file appended to; rotated ones are current.1 (newest) to current.<keep>.
	current = "events.log"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Log is the event log of one data root.
type Log struct {
	dir     string
	maxSize int64
}

// Dir is the directory of the event log under a data root.
func Dir(root string) string { return filepath.Join(root, "events") }

// Open returns the log of the data root root; nothing is opened until used.
func Open(root string) *Log { return &Log{dir: Dir(root), maxSize: DefaultMaxSize} }

// WithMaxSize returns a copy of l that rotates at n bytes (for tests).
func (l *Log) WithMaxSize(n int64) *Log { c := *l; c.maxSize = n; return &c }

// Emit appends an event to the log of root. An event log that cannot be
// written (a full disk, a read-only root) must not fail the action that
// caused the event, so a failure is only logged at debug.
func Emit(root, typ, action, id string, attrs map[string]string) {
	ev := Event{Type: typ, Action: action, Actor: Actor{ID: id, Attributes: attrs}}
	if err := Open(root).Append(ev); err != nil {
		slog.Debug("write event", "type", typ, "action", action, "id", id, "error", err)
	}
}

func frame(ev Event) ([]byte, error) {
	p, err := ev.marshal()
	if err != nil {
		return nil, err
	}
	if len(p) > maxPayload {
		return nil, fmt.Errorf("event of %d bytes is over the %d-byte limit", len(p), maxPayload)
	}
	b := make([]byte, headerLen+len(p))
	copy(b, magic)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(p)))
	binary.LittleEndian.PutUint64(b[12:], uint64(ev.Time.UnixNano()))
	copy(b[headerLen:], p)
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b[12:], castagnoli))
	return b, nil
}

// Append writes ev to the log with one write, then rotates the log if
// that write made it full.
func (l *Log) Append(ev Event) error {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	b, err := frame(ev)
	if err != nil {
		return err
	}
	path := filepath.Join(l.dir, current)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(l.dir, 0o700); err != nil {
			return fmt.Errorf("make event log directory: %w", err)
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	}
	if err != nil {
		return fmt.Errorf("open event log: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		return fmt.Errorf("append to event log %s: %w", path, err)
	}
	if st, err := f.Stat(); err == nil && st.Size() >= l.maxSize {
		return l.rotate(st)
	}
	return nil
}

// rotate shifts the full file to current.1 (and older ones up, the oldest
// dropped). The lock only orders rotations: appenders never take it, and
// one that still writes to the renamed file adds to current.1, which
// readers read too.
func (l *Log) rotate(full os.FileInfo) error {
	lk, err := os.OpenFile(filepath.Join(l.dir, "rotate.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open event log lock: %w", err)
	}
	defer lk.Close()
	if err := unix.Flock(int(lk.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("lock event log for rotation: %w", err)
	}
	path := filepath.Join(l.dir, current)
	st, err := os.Stat(path)
	if err != nil || !os.SameFile(st, full) {
		return nil // another writer rotated it first
	}
	for i := keep; i > 1; i-- {
		if err := os.Rename(l.rotated(i-1), l.rotated(i)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("rotate event log: %w", err)
		}
	}
	if err := os.Rename(path, l.rotated(1)); err != nil {
		return fmt.Errorf("rotate event log: %w", err)
	}
	return nil
}

func (l *Log) rotated(i int) string {
	return filepath.Join(l.dir, current+"."+strconv.Itoa(i))
}

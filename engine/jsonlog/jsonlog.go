// Package jsonlog is Docker's json-file log of a container's output: the
// writer the Go monitor uses (File, CopyStream), rotation, and the reader
// that logs and logs -f use (Read, Follower), and what logs shows of it
// (View: tail, since and until, timestamps). Its C twin, the writer of an
// idle monitor, is engine/idlemon's log_line; the tests check that the one
// reader takes both writers' lines alike.
package jsonlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// DefaultMaxSize is where a log file is rotated when --log-opt max-size
// is not given; DefaultFiles files are kept unless max-file says, and
// MaxFiles is the most there can be.
const (
	DefaultMaxSize = 10 << 20
	DefaultFiles   = 2
	MaxFiles       = 100
)

// Rotated is the name of the n-th newest rotated file of path.
func Rotated(path string, n int) string { return path + "." + strconv.Itoa(n) }

// Entry is one line of Docker's json-file log.
type Entry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// File appends JSON lines to <id>-json.log and rotates it to .1 (.1
// to .2, ...) past max bytes, keeping files of them in all. Writers of
// both streams share it.
type File struct {
	mu    sync.Mutex
	path  string
	f     *os.File
	size  int64
	max   int64
	files int
}

// Open opens path for appending, rotating past max bytes (0: the
// default) and keeping files files.
func Open(path string, max int64, files int) (*File, error) {
	if max <= 0 {
		max = DefaultMaxSize
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open container log: %w", err)
	}
	st, err := f.Stat()
	if err == nil && st.Mode().Perm() != 0o600 {
		err = f.Chmod(0o600) // older versions of berth made it 0640
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open container log: %w", err)
	}
	return &File{path: path, f: f, size: st.Size(), max: max, files: files}, nil
}

// Write logs one line of stream.
func (l *File) Write(stream string, line []byte) {
	data, _ := json.Marshal(Entry{Log: string(line), Stream: stream, Time: time.Now().UTC()})
	data = append(data, '\n')
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.size > 0 && l.size+int64(len(data)) > l.max {
		l.rotate()
	}
	n, _ := l.f.Write(data)
	l.size += int64(n)
}

// rotate shifts the old files up by one, dropping the oldest, as
// json-file does (engine/idlemon's rotate is the same in C).
func (l *File) rotate() {
	os.Remove(Rotated(l.path, l.files-1))
	for n := l.files - 2; n >= 1; n-- {
		// A file missing from the set (fewer rotations yet) is no
		// error; another failure only keeps an older file longer.
		if err := os.Rename(Rotated(l.path, n), Rotated(l.path, n+1)); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("rotate container log", "path", l.path, "error", err)
		}
	}
	var err error
	if l.files > 1 {
		err = os.Rename(l.path, Rotated(l.path, 1))
	} else {
		err = os.Remove(l.path)
	}
	if err != nil {
		return
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return
	}
	l.f.Close()
	l.f, l.size = f, 0
}

func (l *File) Close() error { return l.f.Close() }

// CopyStream logs r line by line under stream and copies it to also (if
// set), until r ends. Long lines are cut at exactly maxLine bytes, as
// Docker and the C loop (engine/idlemon) cut them.
func CopyStream(l *File, stream string, r io.Reader, also io.Writer) {
	buf := make([]byte, maxLine)
	partial := make([]byte, 0, maxLine)
	for {
		n, err := r.Read(buf)
		if n > 0 && also != nil {
			if _, err := also.Write(buf[:n]); err != nil {
				also = nil // the terminal went away; the log goes on
			}
		}
		for chunk := buf[:n]; len(chunk) > 0; {
			room := min(maxLine-len(partial), len(chunk))
			if i := bytes.IndexByte(chunk[:room], '\n'); i >= 0 {
				room = i + 1
			}
			partial = append(partial, chunk[:room]...)
			chunk = chunk[room:]
			if partial[len(partial)-1] == '\n' || len(partial) == maxLine {
				l.Write(stream, partial)
				partial = partial[:0]
			}
		}
		if err != nil {
			if len(partial) > 0 {
				l.Write(stream, partial)
			}
			return
		}
	}
}

// maxLine is where a line without a newline is cut: Docker's 16 KiB.
const maxLine = 16 << 10

// Follower reads a log as it grows and across rotations. It keeps the
// file it reads open, so that a rotation, even one that drops the file,
// cannot take its last lines away, and it polls again at once after
// reading, so a fast writer does not rotate away files it has not read.
type Follower struct {
	path string
	f    *os.File
	ino  uint64
	off  int64
	held bool // a file was opened: rotations are caught while polling
}

// Poll emits what was written since the last poll and says whether there
// was anything.
func (fl *Follower) Poll(fn func(Entry)) bool {
	got := false
	emit := func(ent Entry) { got = true; fn(ent) }
	if fl.f == nil {
		f, err := os.Open(fl.path)
		if err != nil {
			return false
		}
		if !fl.held && fdIno(f) != fl.ino {
			// Rotated before we first held it: catch up by inode.
			readRotated(fl.path, fl.ino, fl.off, emit)
			fl.off = 0
		}
		fl.f, fl.ino, fl.held = f, fdIno(f), true
	}
	fl.off = readFrom(fl.f, fl.off, emit)
	if cur := inode(fl.path); cur != 0 && cur != fl.ino {
		// Rotated: hold the current file first, so that further
		// rotations cannot take it; then our last lines, then the
		// rotated files between ours and it.
		next, err := os.Open(fl.path)
		if err != nil {
			return got
		}
		nextIno := fdIno(next)
		fl.off = readFrom(fl.f, fl.off, emit)
		for n := rotatedIndex(fl.path, fl.ino) - 1; n >= 1; n-- {
			p := Rotated(fl.path, n)
			if inode(p) == nextIno {
				break
			}
			readFile(p, 0, emit)
		}
		fl.Close()
		fl.f, fl.ino, fl.off = next, nextIno, 0
		fl.off = readFrom(fl.f, 0, emit)
		got = true
	}
	return got
}

// Close closes the file the follower holds.
func (fl *Follower) Close() {
	if fl.f != nil {
		fl.f.Close()
		fl.f = nil
	}
}

// readRotated emits, after a rotation, what a follower had not read yet:
// the file of inode ino (now path.N) from off on, then path.N-1 ... path.1;
// all rotated files if it was dropped already.
func readRotated(path string, ino uint64, off int64, fn func(Entry)) {
	k := rotatedIndex(path, ino)
	if k < MaxFiles && inode(Rotated(path, k)) == ino {
		readFile(Rotated(path, k), off, fn)
	}
	readNewer(path, k, fn)
}

// rotatedIndex is the n of path.n whose inode is ino, or one past the
// oldest rotated file when none has it.
func rotatedIndex(path string, ino uint64) int {
	for k := 1; k < MaxFiles; k++ {
		if cur := inode(Rotated(path, k)); cur == ino || cur == 0 {
			return k
		}
	}
	return MaxFiles
}

// readNewer emits the rotated files newer than path.k, oldest first.
func readNewer(path string, k int, fn func(Entry)) {
	for n := k - 1; n >= 1; n-- {
		readFile(Rotated(path, n), 0, fn)
	}
}

// readFile calls fn for each complete line from offset on and returns
// the offset after the last one and the file's inode.
func readFile(path string, off int64, fn func(Entry)) (int64, uint64) {
	f, err := os.Open(path)
	if err != nil {
		return off, 0
	}
	defer f.Close()
	return readFrom(f, off, fn), fdIno(f)
}

// readFrom calls fn for each complete line of f from offset on and returns
// the offset after the last one.
func readFrom(f *os.File, off int64, fn func(Entry)) int64 {
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return off
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) || err != nil {
			return off // a partial last line is read next time
		}
		off += int64(len(line))
		var ent Entry
		if json.Unmarshal(line, &ent) == nil {
			fn(ent)
		}
	}
}

func fdIno(f *os.File) uint64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	return statIno(st)
}

func inode(path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return statIno(st)
}

func statIno(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// Read calls fn for every complete line of the log at path, its rotated
// files first, oldest first, and returns a Follower that goes on from
// there.
func Read(path string, fn func(Entry)) *Follower {
	for n := MaxFiles - 1; n >= 1; n-- {
		readFile(Rotated(path, n), 0, fn)
	}
	off, ino := readFile(path, 0, fn)
	return &Follower{path: path, ino: ino, off: off}
}

// Files is how many files of a log are kept for --log-opt max-file n
// (0: not given).
func Files(maxFile int) int {
	if maxFile > 0 {
		return maxFile
	}
	return DefaultFiles
}

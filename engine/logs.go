package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// defaultLogMaxSize is where a log file is rotated when --log-opt max-size
// is not given; defaultLogFiles files are kept unless max-file says.
const (
	defaultLogMaxSize = 10 << 20
	defaultLogFiles   = 2
	maxLogFiles       = 100
)

// logFiles is how many files of the container's log are kept.
func (hc *HostConfig) logFiles() int {
	if hc.LogMaxFile > 0 {
		return hc.LogMaxFile
	}
	return defaultLogFiles
}

// rotatedLog is the name of the n-th newest rotated file of path.
func rotatedLog(path string, n int) string { return path + "." + strconv.Itoa(n) }

// logEntry is one line of Docker's json-file log.
type logEntry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// logFile appends JSON lines to <id>-json.log and rotates it to .1 (.1
// to .2, ...) past max bytes, keeping files of them in all. Writers of
// both streams share it.
type logFile struct {
	mu    sync.Mutex
	path  string
	f     *os.File
	size  int64
	max   int64
	files int
}

func openLog(path string, max int64, files int) (*logFile, error) {
	if max <= 0 {
		max = defaultLogMaxSize
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
	return &logFile{path: path, f: f, size: st.Size(), max: max, files: files}, nil
}

func (l *logFile) write(stream string, line []byte) {
	data, _ := json.Marshal(logEntry{Log: string(line), Stream: stream, Time: time.Now().UTC()})
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
func (l *logFile) rotate() {
	os.Remove(rotatedLog(l.path, l.files-1))
	for n := l.files - 2; n >= 1; n-- {
		os.Rename(rotatedLog(l.path, n), rotatedLog(l.path, n+1))
	}
	var err error
	if l.files > 1 {
		err = os.Rename(l.path, rotatedLog(l.path, 1))
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

func (l *logFile) Close() error { return l.f.Close() }

// copyStream logs r line by line under stream and copies it to also (if
// set), until r ends. Long lines are cut at 16 KiB, as Docker cuts them.
func copyStream(l *logFile, stream string, r io.Reader, also io.Writer) {
	buf := make([]byte, 16<<10)
	var partial []byte
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			if also != nil {
				also.Write(chunk)
			}
			for len(chunk) > 0 {
				i := bytes.IndexByte(chunk, '\n')
				if i < 0 {
					partial = append(partial, chunk...)
					if len(partial) >= 16<<10 {
						l.write(stream, partial)
						partial = partial[:0]
					}
					break
				}
				line := chunk[:i+1]
				if len(partial) > 0 {
					line = append(partial, line...)
					partial = partial[:0]
				}
				l.write(stream, line)
				chunk = chunk[i+1:]
			}
		}
		if err != nil {
			if len(partial) > 0 {
				l.write(stream, partial)
			}
			return
		}
	}
}

// LogsOptions are the flags of logs.
type LogsOptions struct {
	Follow     bool
	Tail       int // <0: all
	Since      time.Time
	Until      time.Time
	Timestamps bool
	Details    bool            // the line's attributes first, as Docker's --details (berth keeps none: a space)
	Done       <-chan struct{} // ends a follow early (start -a detached)
}

// TimestampFormat is Docker's log timestamp: always nine fraction digits,
// so the lines sort and cut by column.
const TimestampFormat = "2006-01-02T15:04:05.000000000Z07:00"

// Logs writes a container's log to stdout and stderr, each line to the
// stream it came from. With Follow it goes on until the container stops.
func (e *Engine) Logs(ref string, o LogsOptions, stdout, stderr io.Writer) error {
	c, err := e.Get(ref)
	if err != nil {
		return err
	}
	path := e.logPath(c.ID)
	emit := func(ent logEntry) {
		if !o.Since.IsZero() && ent.Time.Before(o.Since) {
			return
		}
		if !o.Until.IsZero() && ent.Time.After(o.Until) {
			return
		}
		w := stdout
		if ent.Stream == "stderr" {
			w = stderr
		}
		if o.Timestamps {
			io.WriteString(w, ent.Time.UTC().Format(TimestampFormat)+" ")
		}
		if o.Details {
			io.WriteString(w, " ")
		}
		io.WriteString(w, ent.Log)
	}
	var entries []logEntry
	collect := func(ent logEntry) { entries = append(entries, ent) }
	for n := maxLogFiles - 1; n >= 1; n-- {
		readLogFile(rotatedLog(path, n), 0, collect)
	}
	off, ino := readLogFile(path, 0, collect)
	if o.Tail >= 0 && len(entries) > o.Tail {
		entries = entries[len(entries)-o.Tail:]
	}
	for _, ent := range entries {
		emit(ent)
	}
	if !o.Follow {
		return nil
	}
	fl := &follower{path: path, ino: ino, off: off}
	defer fl.close()
	for {
		if !o.Until.IsZero() && time.Now().After(o.Until) {
			return nil
		}
		if fl.poll(emit) {
			continue // more may be there already: a fast writer rotates
		}
		c, err := e.Get(c.ID)
		if err != nil || !c.Running() && c.State.Status != StatusRestarting {
			fl.poll(emit) // what was written before it stopped
			return nil
		}
		select {
		case <-o.Done:
			return nil
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// follower reads a log as it grows and across rotations. It keeps the
// file it reads open, so that a rotation, even one that drops the file,
// cannot take its last lines away, and it polls again at once after
// reading, so a fast writer does not rotate away files it has not read.
type follower struct {
	path string
	f    *os.File
	ino  uint64
	off  int64
	held bool // a file was opened: rotations are caught while polling
}

// poll emits what was written since the last poll and says whether there
// was anything.
func (fl *follower) poll(fn func(logEntry)) bool {
	got := false
	emit := func(ent logEntry) { got = true; fn(ent) }
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
			p := rotatedLog(fl.path, n)
			if inode(p) == nextIno {
				break
			}
			readLogFile(p, 0, emit)
		}
		fl.close()
		fl.f, fl.ino, fl.off = next, nextIno, 0
		fl.off = readFrom(fl.f, 0, emit)
		got = true
	}
	return got
}

func (fl *follower) close() {
	if fl.f != nil {
		fl.f.Close()
		fl.f = nil
	}
}

// readRotated emits, after a rotation, what a follower had not read yet:
// the file of inode ino (now path.N) from off on, then path.N-1 ... path.1;
// all rotated files if it was dropped already.
func readRotated(path string, ino uint64, off int64, fn func(logEntry)) {
	k := rotatedIndex(path, ino)
	if k < maxLogFiles && inode(rotatedLog(path, k)) == ino {
		readLogFile(rotatedLog(path, k), off, fn)
	}
	readNewer(path, k, fn)
}

// rotatedIndex is the n of path.n whose inode is ino, or one past the
// oldest rotated file when none has it.
func rotatedIndex(path string, ino uint64) int {
	for k := 1; k < maxLogFiles; k++ {
		if cur := inode(rotatedLog(path, k)); cur == ino || cur == 0 {
			return k
		}
	}
	return maxLogFiles
}

// readNewer emits the rotated files newer than path.k, oldest first.
func readNewer(path string, k int, fn func(logEntry)) {
	for n := k - 1; n >= 1; n-- {
		readLogFile(rotatedLog(path, n), 0, fn)
	}
}

// readLogFile calls fn for each complete line from offset on and returns
// the offset after the last one and the file's inode.
func readLogFile(path string, off int64, fn func(logEntry)) (int64, uint64) {
	f, err := os.Open(path)
	if err != nil {
		return off, 0
	}
	defer f.Close()
	return readFrom(f, off, fn), fdIno(f)
}

// readFrom calls fn for each complete line of f from offset on and returns
// the offset after the last one.
func readFrom(f *os.File, off int64, fn func(logEntry)) int64 {
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
		var ent logEntry
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

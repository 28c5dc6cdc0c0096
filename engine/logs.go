package engine

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// defaultLogMaxSize is where a log file is rotated when --log-opt max-size
// is not given; one rotated file is kept.
const defaultLogMaxSize = 10 << 20

// logEntry is one line of Docker's json-file log.
type logEntry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// logFile appends JSON lines to <id>-json.log and rotates it to .1 past
// max bytes. Writers of both streams share it.
type logFile struct {
	mu   sync.Mutex
	path string
	f    *os.File
	size int64
	max  int64
}

func openLog(path string, max int64) (*logFile, error) {
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
	return &logFile{path: path, f: f, size: st.Size(), max: max}, nil
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

// rotate keeps one old file, as json-file with max-file=2 does.
func (l *logFile) rotate() {
	if err := os.Rename(l.path, l.path+".1"); err != nil {
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
	Done       <-chan struct{} // ends a follow early (start -a detached)
}

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
			io.WriteString(w, ent.Time.Format(time.RFC3339Nano)+" ")
		}
		io.WriteString(w, ent.Log)
	}
	var entries []logEntry
	collect := func(ent logEntry) { entries = append(entries, ent) }
	readLogFile(path+".1", 0, collect)
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
	for {
		c, err := e.Get(c.ID)
		running := err == nil && (c.Running() || c.State.Status == StatusRestarting)
		if curIno := inode(path); curIno != ino {
			off, ino = 0, curIno // rotated: the new file starts from its first line
		}
		off, _ = readLogFile(path, off, emit)
		if !running || (!o.Until.IsZero() && time.Now().After(o.Until)) {
			return nil
		}
		select {
		case <-o.Done:
			return nil
		case <-time.After(100 * time.Millisecond):
		}
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
	ino := inode(path)
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return off, ino
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if errors.Is(err, io.EOF) || err != nil {
			return off, ino // a partial last line is read next time
		}
		off += int64(len(line))
		var ent logEntry
		if json.Unmarshal(line, &ent) == nil {
			fn(ent)
		}
	}
}

func inode(path string) uint64 {
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return statIno(st)
}

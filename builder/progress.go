package builder

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// printer writes BuildKit's plain progress: each step a numbered vertex
// ("#3 [2/4] RUN make"), its output lines prefixed with the vertex and the
// seconds since it started, and its end (DONE 0.3s, CACHED or ERROR).
type printer struct {
	mu  sync.Mutex
	w   io.Writer // nil: quiet
	n   int
	all time.Time
}

type vertex struct {
	p     *printer
	n     int
	start time.Time
}

func newPrinter(w io.Writer) *printer { return &printer{w: w, all: time.Now()} }

func (p *printer) printf(format string, a ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, a...)
}

// begin starts a vertex named name.
func (p *printer) begin(name string) *vertex {
	p.mu.Lock()
	p.n++
	v := &vertex{p: p, n: p.n, start: time.Now()}
	p.mu.Unlock()
	p.printf("#%d %s\n", v.n, name)
	return v
}

func (v *vertex) log(format string, a ...any) {
	v.p.printf("#%d %s\n", v.n, fmt.Sprintf(format, a...))
}

func (v *vertex) done()   { v.p.printf("#%d DONE %.1fs\n", v.n, time.Since(v.start).Seconds()) }
func (v *vertex) cached() { v.p.printf("#%d CACHED\n", v.n) }

func (v *vertex) fail(err error) { v.p.printf("#%d ERROR: %v\n", v.n, err) }

// output is a writer for a step's process output: whole lines, each with
// the vertex number and the time since the step began, as BuildKit shows.
func (v *vertex) output() *lineWriter { return &lineWriter{v: v} }

type lineWriter struct {
	mu  sync.Mutex
	v   *vertex
	buf []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		l.line(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
}

func (l *lineWriter) line(s []byte) {
	l.v.p.printf("#%d %.3f %s\n", l.v.n, time.Since(l.v.start).Seconds(), s)
}

// flush prints a last line that had no newline.
func (l *lineWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.line(l.buf)
		l.buf = nil
	}
}

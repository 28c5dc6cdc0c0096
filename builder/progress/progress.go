// Package progress writes a build's progress as BuildKit's plain output
// does: each step a numbered vertex, its output lines prefixed with the
// vertex and the time since it began, and its end (DONE, CACHED, ERROR).
package progress

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// Printer writes BuildKit's plain progress: each step a numbered vertex
// ("#3 [2/4] RUN make"), its output lines prefixed with the vertex and the
// seconds since it started, and its end (DONE 0.3s, CACHED or ERROR).
type Printer struct {
	mu  sync.Mutex
	w   io.Writer // nil: quiet
	n   int
	all time.Time
}

// Vertex is one step on a Printer.
type Vertex struct {
	p     *Printer
	n     int
	start time.Time
}

// New prints to w (nil: nothing).
func New(w io.Writer) *Printer { return &Printer{w: w, all: time.Now()} }

func (p *Printer) Printf(format string, a ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, format, a...)
}

// begin starts a vertex named name.
func (p *Printer) Begin(name string) *Vertex {
	p.mu.Lock()
	p.n++
	v := &Vertex{p: p, n: p.n, start: time.Now()}
	p.mu.Unlock()
	p.Printf("#%d %s\n", v.n, name)
	return v
}

func (v *Vertex) Log(format string, a ...any) {
	v.p.Printf("#%d %s\n", v.n, fmt.Sprintf(format, a...))
}

func (v *Vertex) Done()   { v.p.Printf("#%d DONE %.1fs\n", v.n, time.Since(v.start).Seconds()) }
func (v *Vertex) Cached() { v.p.Printf("#%d CACHED\n", v.n) }

func (v *Vertex) Fail(err error) { v.p.Printf("#%d ERROR: %v\n", v.n, err) }

// output is a writer for a step's process output: whole lines, each with
// the vertex number and the time since the step began, as BuildKit shows.
func (v *Vertex) Output() *LineWriter { return &LineWriter{v: v} }

type LineWriter struct {
	mu  sync.Mutex
	v   *Vertex
	buf []byte
}

func (l *LineWriter) Write(b []byte) (int, error) {
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

func (l *LineWriter) line(s []byte) {
	l.v.p.Printf("#%d %.3f %s\n", l.v.n, time.Since(l.v.start).Seconds(), s)
}

// flush prints a last line that had no newline.
func (l *LineWriter) Flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) > 0 {
		l.line(l.buf)
		l.buf = nil
	}
}

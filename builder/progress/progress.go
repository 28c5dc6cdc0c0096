// Package progress shows a build's progress as BuildKit does: plain lines
// on a pipe (each step a numbered vertex, its output lines prefixed with
// the vertex and the time since it began, and its end: DONE, CACHED,
// ERROR), or on a terminal a display redrawn in place (tty.go).
package progress

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Printer shows a build's vertices: plain lines on w ("#3 [2/4] RUN
// make", "#3 0.120 output", "#3 DONE 0.3s"), or, made by NewTTY, an
// updating display.
type Printer struct {
	mu  sync.Mutex
	w   io.Writer // nil: quiet
	n   int       // the highest vertex number given out
	all time.Time
	tty *screen // nil: plain lines
}

// Vertex is one step on a Printer.
type Vertex struct {
	p     *Printer
	n     int
	name  string
	start time.Time
	// Kept for the terminal display only, under p.mu.
	end    time.Time
	status string // "", "DONE", "CACHED", "ERROR"
	logs   [][]byte
}

// New prints plain lines to w (nil: nothing).
func New(w io.Writer) *Printer { return &Printer{w: w, all: time.Now()} }

// Printf prints a message that is not a vertex's (a warning); the terminal
// display shows it below itself once closed.
func (p *Printer) Printf(format string, a ...any) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty != nil {
		p.tty.notes = append(p.tty.notes, fmt.Sprintf(format, a...))
		return
	}
	fmt.Fprintf(p.w, format, a...)
}

// Reserve sets aside n vertex numbers, the first of which it returns, so
// that steps run at the same time get the numbers a serial build gives
// them whatever order they start in.
func (p *Printer) Reserve(n int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	first := p.n + 1
	p.n += n
	return first
}

// Begin starts a vertex named name with the next number.
func (p *Printer) Begin(name string) *Vertex { return p.BeginAt(p.Reserve(1), name) }

// BeginAt starts vertex n (from Reserve) named name.
func (p *Printer) BeginAt(n int, name string) *Vertex {
	v := &Vertex{p: p, n: n, name: name, start: time.Now()}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty != nil {
		p.tty.add(v)
		return v
	}
	p.plain("#%d %s\n", n, name)
	return v
}

// plain writes a line of plain output; the caller holds p.mu.
func (p *Printer) plain(format string, a ...any) {
	if p.w != nil {
		fmt.Fprintf(p.w, format, a...)
	}
}

// Log adds a line of the vertex's own ("writing image sha256:... done").
func (v *Vertex) Log(format string, a ...any) {
	v.p.mu.Lock()
	defer v.p.mu.Unlock()
	if v.p.tty != nil {
		v.logs = append(v.logs, []byte(fmt.Sprintf(format, a...)))
		return
	}
	v.p.plain("#%d %s\n", v.n, fmt.Sprintf(format, a...))
}

func (v *Vertex) Done()   { v.finish("DONE", fmt.Sprintf("DONE %.1fs", time.Since(v.start).Seconds())) }
func (v *Vertex) Cached() { v.finish("CACHED", "CACHED") }

// Fail ends the vertex with err; a step stopped because the build was
// (another stage failed, Ctrl-C) is CANCELED, as BuildKit shows it.
func (v *Vertex) Fail(err error) {
	if errors.Is(err, context.Canceled) {
		v.finish("CANCELED", "CANCELED")
		return
	}
	v.finish("ERROR", fmt.Sprintf("ERROR: %v", err))
}

func (v *Vertex) finish(status, line string) {
	v.p.mu.Lock()
	defer v.p.mu.Unlock()
	if v.p.tty != nil {
		if v.status == "" {
			v.status, v.end = status, time.Now()
		}
		return
	}
	v.p.plain("#%d %s\n", v.n, line)
}

// Output is a writer for a step's process output: whole lines, each with
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
	v := l.v
	v.p.mu.Lock()
	defer v.p.mu.Unlock()
	if v.p.tty != nil {
		v.logs = append(v.logs, append([]byte(nil), s...))
		if len(v.logs) > keptLogs {
			v.logs = v.logs[len(v.logs)-keptLogs:]
		}
		return
	}
	v.p.plain("#%d %.3f %s\n", v.n, time.Since(v.start).Seconds(), s)
}

// Flush prints a last line that had no newline.
func (l *LineWriter) Flush() {
	l.mu.Lock()
	buf := l.buf
	l.buf = nil
	l.mu.Unlock()
	if len(buf) > 0 {
		l.line(buf)
	}
}

// Close ends the terminal display with its final screen; plain output has
// nothing to end. The Printer takes no more vertices after it.
func (p *Printer) Close() {
	p.mu.Lock()
	s := p.tty
	p.mu.Unlock()
	if s != nil {
		s.close()
	}
}

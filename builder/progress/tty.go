package progress

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// The terminal display is BuildKit's tty mode: a header with the time and
// the count of finished steps, one line per vertex with its timer, and the
// last lines of output of each running step, redrawn in place every tick:
//
//	[+] Building 1.4s (3/5)
//	 => [1/3] FROM docker.io/library/busybox:latest          0.0s
//	 => CACHED [2/3] COPY a /a                               0.0s
//	 => [3/3] RUN make                                       1.2s
//	 => => # cc -o app main.c
//
// Each redraw moves the cursor up over the lines drawn before and rewrites
// them (ESC[nA, ESC[2K, ESC[J), so lines never wrap: they are cut at the
// terminal's width. The final screen, drawn by Close, lists every vertex
// and then the output of those that failed, as BuildKit does.

const (
	keptLogs  = 10 // a running step's lines kept, shown when it fails
	shownLogs = 6  // of which the display shows the last
	tick      = 100 * time.Millisecond
)

type screen struct {
	p             *Printer
	width, height int
	vertices      []*Vertex
	notes         []string // Printf's, shown after the display
	drawn         int      // lines on the terminal from the last draw
	stop, stopped chan struct{}
}

// NewTTY draws the updating display on w, a terminal of width columns and
// height rows (0: 80 by 25), until Close.
func NewTTY(w io.Writer, width, height int) *Printer {
	if width <= 0 {
		width = 80
	}
	if height <= 0 {
		height = 25
	}
	height = max(height, 3) // the header and a line or two
	p := New(w)
	s := &screen{p: p, width: width, height: height, stop: make(chan struct{}), stopped: make(chan struct{})}
	p.tty = s
	go s.loop()
	return p
}

func (s *screen) add(v *Vertex) { s.vertices = append(s.vertices, v) }

func (s *screen) loop() {
	defer close(s.stopped)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			s.p.mu.Lock()
			s.draw(false)
			s.p.mu.Unlock()
		}
	}
}

func (s *screen) close() {
	select {
	case <-s.stop:
		return // closed before
	default:
	}
	close(s.stop)
	<-s.stopped
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.draw(true)
	var b strings.Builder
	for _, v := range s.vertices {
		if v.status != "ERROR" || len(v.logs) == 0 {
			continue
		}
		fmt.Fprintf(&b, "------\n > %s:\n", v.name)
		for _, l := range v.logs {
			fmt.Fprintf(&b, "%s\n", clean(l))
		}
		b.WriteString("------\n")
	}
	for _, n := range s.notes {
		b.WriteString(n)
	}
	io.WriteString(s.p.w, b.String())
}

// draw redraws the display; the caller holds p.mu. Unless final, only the
// last lines that fit the terminal are drawn, so that the cursor can move
// back up over all of them.
func (s *screen) draw(final bool) {
	now := time.Now()
	lines := s.lines(now, final)
	if !final && len(lines) > s.height-1 {
		lines = append(lines[:1], lines[len(lines)-(s.height-2):]...)
	}
	var b bytes.Buffer
	if s.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", s.drawn)
	}
	for _, l := range lines {
		b.WriteString("\x1b[2K")
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if len(lines) < s.drawn {
		b.WriteString("\x1b[J")
	}
	s.drawn = len(lines)
	_, _ = s.p.w.Write(b.Bytes()) // a terminal gone away: nothing to tell
}

func (s *screen) lines(now time.Time, final bool) []string {
	done := 0
	for _, v := range s.vertices {
		if v.status != "" {
			done++
		}
	}
	head := fmt.Sprintf("[+] Building %.1fs (%d/%d)", now.Sub(s.p.all).Seconds(), done, len(s.vertices))
	if final {
		head += " FINISHED"
	}
	out := []string{s.fit(head, "")}
	for _, v := range s.vertices {
		end := v.end
		if v.status == "" {
			end = now
		}
		prefix := " => "
		switch v.status {
		case "CACHED", "ERROR", "CANCELED":
			prefix += v.status + " "
		}
		out = append(out, s.fit(prefix+v.name, fmt.Sprintf(" %.1fs", end.Sub(v.start).Seconds())))
		if v.status == "" {
			logs := v.logs
			if len(logs) > shownLogs {
				logs = logs[len(logs)-shownLogs:]
			}
			for _, l := range logs {
				out = append(out, s.fit(" => => # "+clean(l), ""))
			}
		}
	}
	return out
}

// fit pads text to the width with timer at the right, or cuts it.
func (s *screen) fit(text, timer string) string {
	room := s.width - utf8.RuneCountInString(timer)
	if n := utf8.RuneCountInString(text); n > room {
		r := []rune(text)
		if room < 0 {
			room = 0
		}
		text = string(r[:room])
	} else if timer != "" {
		text += strings.Repeat(" ", room-n)
	}
	return text + timer
}

// clean makes a line of a step's output safe to draw: what follows its
// last carriage return (a progress bar's latest state), with tabs as
// spaces and no other control characters, so it cannot move the cursor.
func clean(l []byte) string {
	if i := bytes.LastIndexByte(l, '\r'); i >= 0 {
		l = l[i+1:]
	}
	s := strings.ToValidUTF8(string(l), "?")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
}

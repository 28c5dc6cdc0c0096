// Package progress shows the progress of pulls and pushes as Docker does:
// on a terminal one line per layer with a bar that is redrawn in place,
//
//	a3ed95caeb02: Downloading [=====>                                   ]  12.3MB/45.6MB  8.1MB/s
//
// and otherwise one plain line per state change, so logs stay readable.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Layer states, in the words Docker prints.
const (
	Waiting          = "Waiting"
	Downloading      = "Downloading"
	Verifying        = "Verifying Checksum"
	DownloadComplete = "Download complete"
	Extracting       = "Extracting"
	PullComplete     = "Pull complete"
	AlreadyExists    = "Already exists"
	Preparing        = "Preparing"
	Pushing          = "Pushing"
	Pushed           = "Pushed"
	LayerExists      = "Layer already exists"
)

// Mode selects how progress is shown.
type Mode int

const (
	// Plain prints a line per state change.
	Plain Mode = iota
	// TTY redraws a bar per layer in place.
	TTY
	// Quiet prints nothing but what the caller prints itself.
	Quiet
)

// Progress is the display of one operation. Safe for concurrent use.
type Progress struct {
	w     io.Writer
	mode  Mode
	mu    sync.Mutex
	bars  []*Bar
	tail  []string // messages printed after the first bar, kept below the bars (TTY)
	drawn int      // lines of bars and tail on screen (TTY)
	stop  chan struct{}
	done  chan struct{}
}

// New starts a display writing to w.
func New(w io.Writer, mode Mode) *Progress {
	p := &Progress{w: w, mode: mode}
	if mode == TTY {
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.loop()
	}
	return p
}

func (p *Progress) loop() {
	defer close(p.done)
	t := time.NewTicker(150 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.mu.Lock()
			p.redraw()
			p.mu.Unlock()
		}
	}
}

// Printf prints a message line (not a layer). On a TTY, as Docker shows
// them, a message after the first bar goes below the bars, which keep their
// place above it.
func (p *Progress) Printf(format string, args ...any) {
	if p == nil || p.mode == Quiet {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == TTY && len(p.bars) > 0 {
		p.tail = append(p.tail, fmt.Sprintf(format, args...))
		p.redraw()
		return
	}
	p.print(fmt.Sprintf(format+"\n", args...))
}

// Close draws the final state and stops redrawing.
func (p *Progress) Close() {
	if p == nil || p.mode != TTY {
		return
	}
	close(p.stop)
	<-p.done
	p.mu.Lock()
	p.redraw()
	p.mu.Unlock()
}

// print writes s to the progress output. Progress is a display beside
// the work: a write that fails (a closed terminal, a full pipe's reader
// gone) must not fail the pull or push it reports on, so it is dropped.
func (p *Progress) print(s string) {
	_, _ = io.WriteString(p.w, s)
}

// erase moves the cursor to the first bar line so the next output replaces
// the bars.
func (p *Progress) erase() {
	if p.drawn > 0 {
		p.print(fmt.Sprintf("\x1b[%dA", p.drawn))
		p.drawn = 0
	}
}

func (p *Progress) redraw() {
	p.erase()
	var b strings.Builder
	now := time.Now()
	for _, bar := range p.bars {
		b.WriteString("\x1b[2K")
		b.WriteString(bar.line(now))
		b.WriteByte('\n')
	}
	for _, msg := range p.tail {
		b.WriteString("\x1b[2K" + msg + "\n")
	}
	p.print(b.String())
	p.drawn = len(p.bars) + len(p.tail)
}

// Bar is one layer's line.
type Bar struct {
	p       *Progress
	id      string
	total   int64
	current int64
	state   string
	started time.Time
}

// Bar adds a line for the object id (shortened to 12 characters) of total
// bytes, in state.
func (p *Progress) Bar(id string, total int64, state string) *Bar {
	if i := strings.IndexByte(id, ':'); i >= 0 {
		id = id[i+1:]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	b := &Bar{p: p, id: id, total: total}
	if p == nil {
		return b
	}
	p.mu.Lock()
	p.bars = append(p.bars, b)
	p.mu.Unlock()
	b.Set(state)
	return b
}

// Set changes the bar's state; in plain mode it prints the change.
func (b *Bar) Set(state string) {
	if b.p == nil {
		return
	}
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	if b.state == state {
		return
	}
	b.state = state
	if state == Downloading || state == Pushing || state == Extracting {
		b.started, b.current = time.Now(), 0
	}
	if b.p.mode == Plain {
		b.p.print(fmt.Sprintf("%s: %s\n", b.id, state))
	}
}

// Add counts n more bytes done.
func (b *Bar) Add(n int64) {
	if b.p == nil {
		return
	}
	b.p.mu.Lock()
	b.current += n
	b.p.mu.Unlock()
}

// Reader counts what is read through r on the bar.
func (b *Bar) Reader(r io.Reader) io.Reader { return &countingReader{r: r, b: b} }

type countingReader struct {
	r io.Reader
	b *Bar
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.b.Add(int64(n))
	return n, err
}

func (b *Bar) line(now time.Time) string {
	switch b.state {
	case Downloading, Pushing, Extracting:
	default:
		return b.id + ": " + b.state
	}
	s := fmt.Sprintf("%s: %-11s %s %s/%s", b.id, b.state, bar(b.current, b.total, 50), HumanSize(b.current), HumanSize(b.total))
	if el := now.Sub(b.started).Seconds(); el > 0.2 {
		s += fmt.Sprintf("  %s/s", HumanSize(int64(float64(b.current)/el)))
	}
	return s
}

// bar renders Docker's [=====>    ] of width characters.
func bar(cur, total int64, width int) string {
	if total <= 0 {
		return ""
	}
	n := int(int64(width) * min(cur, total) / total)
	s := strings.Repeat("=", n)
	if n < width {
		s += ">" + strings.Repeat(" ", width-n-1)
	}
	return "[" + s + "]"
}

// HumanSize formats bytes as Docker does: decimal units, 3 significant
// digits ("12.3MB", "1.05kB", "512B").
func HumanSize(n int64) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.3g%s", f, units[i])
}

// State is the bar's current state.
func (b *Bar) State() string {
	if b.p == nil {
		return b.state
	}
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	return b.state
}

package progress

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTTYDisplay plays the display's output onto a screen: while a step
// runs, its last lines show under it; the final screen lists every vertex
// with its timer, then the failed step's output and the warnings.
func TestTTYDisplay(t *testing.T) {
	var buf syncBuffer
	p := NewTTY(&buf, 60, 20)
	p.Begin("[1/3] FROM busybox").Done()
	p.Begin("[2/3] COPY a /a").Cached()
	v := p.Begin("[3/3] RUN make")
	out := v.Output()
	for i := 1; i <= 8; i++ {
		out.Write([]byte("line " + string(rune('0'+i)) + "\n"))
	}
	out.Write([]byte("bar 10%\rbar 100%\x1b[31m\n"))
	time.Sleep(3 * tick)
	mid := testutil.Screen(buf.String())
	if len(mid) != 4+shownLogs || mid[len(mid)-1] != " => => # bar 100%[31m" || mid[4] != " => => # line 4" {
		t.Errorf("while running, the screen is:\n%s", strings.Join(mid, "\n"))
	}
	v.Fail(errors.New("exit code: 2"))
	p.Printf("[Warning] a note\n")
	p.Close()
	p.Close()
	got := strings.Join(testutil.Screen(buf.String()), "\n")
	want := `^\[\+\] Building \d+\.\ds \(3/3\) FINISHED
 => \[1/3\] FROM busybox +0\.0s
 => CACHED \[2/3\] COPY a /a +0\.0s
 => ERROR \[3/3\] RUN make +0\.\ds
------
 > \[3/3\] RUN make:
line 1
(line \d\n)+bar 100%\[31m
------
\[Warning\] a note$`
	if !regexp.MustCompile(want).MatchString(got) {
		t.Errorf("final screen:\n%s", got)
	}
	for _, l := range strings.Split(got, "\n") {
		if len(l) > 60 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}

// TestTTYFitsTheTerminal: lines are cut at the width, and a display taller
// than the terminal shows its last lines until the final screen.
func TestTTYFitsTheTerminal(t *testing.T) {
	var buf syncBuffer
	p := NewTTY(&buf, 30, 6)
	for i := 0; i < 10; i++ {
		p.Begin("[x] RUN a very long command line that goes on").Done()
	}
	time.Sleep(3 * tick)
	if mid := testutil.Screen(buf.String()); len(mid) > 5 {
		t.Errorf("while running, %d lines on a 6-line terminal", len(mid))
	}
	p.Close()
	final := testutil.Screen(buf.String())
	if len(final) != 11 {
		t.Errorf("final screen has %d lines, want 11:\n%s", len(final), strings.Join(final, "\n"))
	}
	for _, l := range final {
		if len(l) > 30 {
			t.Errorf("line wider than the terminal: %q", l)
		}
	}
}

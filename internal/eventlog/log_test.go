package eventlog

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func readAll(t *testing.T, l *Log, o ReadOptions) []Event {
	t.Helper()
	var out []Event
	if err := l.Read(o, func(ev Event) error { out = append(out, ev); return nil }); err != nil {
		t.Fatalf("read: %v", err)
	}
	return out
}

func ids(evs []Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Actor.ID)
	}
	return out
}

func appendN(t *testing.T, l *Log, from, n int, at time.Time) {
	t.Helper()
	for i := from; i < from+n; i++ {
		ev := Event{Type: Container, Action: "start", Actor: Actor{ID: strconv.Itoa(i), Attributes: map[string]string{"name": "c"}},
			Time: at.Add(time.Duration(i) * time.Second)}
		if err := l.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRoundTripAndTimes(t *testing.T) {
	l := Open(t.TempDir())
	base := time.Unix(1700000000, 0)
	appendN(t, l, 0, 5, base)
	got := readAll(t, l, ReadOptions{})
	if fmt.Sprint(ids(got)) != "[0 1 2 3 4]" || got[2].Actor.Attributes["name"] != "c" || !got[2].Time.Equal(base.Add(2*time.Second)) {
		t.Fatalf("read back %+v", got)
	}
	got = readAll(t, l, ReadOptions{Since: base.Add(time.Second), Until: base.Add(3 * time.Second)})
	if fmt.Sprint(ids(got)) != "[1 2 3]" {
		t.Fatalf("since 1 until 3 (inclusive) gave %v", ids(got))
	}
}

func TestRotation(t *testing.T) {
	l := Open(t.TempDir()).WithMaxSize(1000)
	appendN(t, l, 0, 100, time.Unix(1700000000, 0))
	got := ids(readAll(t, l, ReadOptions{}))
	if len(got) == 0 || len(got) >= 100 || got[len(got)-1] != "99" {
		t.Fatalf("after rotation want the newest events, some dropped; got %v", got)
	}
	for i := 1; i < len(got); i++ {
		a, _ := strconv.Atoi(got[i-1])
		b, _ := strconv.Atoi(got[i])
		if b != a+1 {
			t.Fatalf("events out of order or missing across rotated files: %v", got)
		}
	}
	files, _ := filepath.Glob(filepath.Join(l.dir, "events.log*"))
	if len(files) != keep+1 {
		t.Fatalf("want %d files, have %v", keep+1, files)
	}
}

func TestTornRecords(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(b []byte) []byte
		want  string
	}{
		{"truncated tail", func(b []byte) []byte { return b[:len(b)-3] }, "[0 1 2]"},
		{"torn middle", func(b []byte) []byte {
			n := len(b) / 4
			return append(append([]byte{}, b[:n+10]...), b[2*n:]...)
		}, "[0 2 3]"},
		{"garbage between", func(b []byte) []byte {
			n := len(b) / 4
			return append(append(append([]byte{}, b[:n]...), "\xffbe garbage\x00\x01"...), b[n:]...)
		}, "[0 1 2 3]"},
		{"flipped byte", func(b []byte) []byte { b[len(b)/4+headerLen+3] ^= 1; return b }, "[0 2 3]"},
		{"huge length", func(b []byte) []byte { b[len(b)/4+7] = 0x7f; return b }, "[0 2 3]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := Open(t.TempDir())
			appendN(t, l, 0, 4, time.Unix(1700000000, 0)) // equal sizes: each a quarter
			path := filepath.Join(l.dir, current)
			b, _ := os.ReadFile(path)
			if err := os.WriteFile(path, tc.spoil(b), 0o600); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(ids(readAll(t, l, ReadOptions{}))); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			// The log stays writable after the damage, and the next
			// record is read.
			appendN(t, l, 9, 1, time.Unix(1700000000, 0))
			if got := ids(readAll(t, l, ReadOptions{})); got[len(got)-1] != "9" {
				t.Fatalf("record after the damage lost: %v", got)
			}
		})
	}
}

func TestScanPartialWaitsForMore(t *testing.T) {
	l := Open(t.TempDir())
	appendN(t, l, 0, 2, time.Unix(1700000000, 0))
	b, _ := os.ReadFile(filepath.Join(l.dir, current))
	var got []string
	s := scanner{lo: 0, hi: 1<<63 - 1, fn: func(ev Event) error { got = append(got, ev.Actor.ID); return nil }}
	used, _ := s.scan(b[:len(b)-5], false)
	if fmt.Sprint(got) != "[0]" || used != len(b)/2 {
		t.Fatalf("partial: got %v used %d of %d", got, used, len(b))
	}
	used2, _ := s.scan(b[used:], false)
	if fmt.Sprint(got) != "[0 1]" || used2 != len(b)/2 {
		t.Fatalf("completed: got %v", got)
	}
}

// TestConcurrentProcesses appends from several processes at once, each
// with rotation on, and checks that no record is torn or lost except by
// rotation dropping the oldest files.
func TestConcurrentProcesses(t *testing.T) {
	if root := os.Getenv("EVENTLOG_WRITER_ROOT"); root != "" {
		l := Open(root).WithMaxSize(200 << 10)
		me := os.Getenv("EVENTLOG_WRITER")
		for i := 0; i < 2000; i++ {
			if err := l.Append(Event{Type: Container, Action: "start", Actor: Actor{ID: me + "-" + strconv.Itoa(i)}}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		os.Exit(0)
	}
	root := t.TempDir()
	const procs = 4
	var cmds []*exec.Cmd
	for p := 0; p < procs; p++ {
		c := exec.Command(os.Args[0], "-test.run=^TestConcurrentProcesses$")
		c.Env = append(os.Environ(), "EVENTLOG_WRITER_ROOT="+root, "EVENTLOG_WRITER="+strconv.Itoa(p))
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("writer: %v", err)
		}
	}
	// Each writer's events must come in its own order, with no gap
	// after its first surviving one (rotation drops only the oldest).
	next := map[string]int{}
	total := 0
	for _, ev := range readAll(t, Open(root), ReadOptions{}) {
		var p string
		var i int
		if _, err := fmt.Sscanf(ev.Actor.ID, "%1s-%d", &p, &i); err != nil {
			t.Fatalf("bad id %q", ev.Actor.ID)
		}
		if n, seen := next[p]; seen && i != n {
			t.Fatalf("writer %s: event %d after %d", p, i, n-1)
		}
		next[p] = i + 1
		total++
	}
	for p := 0; p < procs; p++ {
		if next[strconv.Itoa(p)] != 2000 {
			t.Fatalf("writer %d: last event %d, want 1999", p, next[strconv.Itoa(p)]-1)
		}
	}
	if total < 2000 {
		t.Fatalf("only %d events survived", total)
	}
}

func TestFullDiskDoesNotPanic(t *testing.T) {
	// /dev/full fails every write with ENOSPC, as a full disk does.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "events"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/full", filepath.Join(dir, "events", current)); err != nil {
		t.Fatal(err)
	}
	if err := Open(dir).Append(Event{Type: Container, Action: "start"}); err == nil {
		t.Fatal("append to a full disk succeeded")
	}
	Emit(dir, Container, "start", "x", nil) // must only log
}

func TestPayloadInvalidUTF8(t *testing.T) {
	l := Open(t.TempDir())
	ev := Event{Type: Container, Action: "create", Actor: Actor{ID: "x", Attributes: map[string]string{"l": "a\xffbev\xff", "": ""}}}
	if err := l.Append(ev); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, l, ReadOptions{})
	if len(got) != 1 || got[0].Actor.Attributes["l"] != "a\uFFFDbev\uFFFD" || len(got[0].Actor.Attributes) != 2 {
		t.Fatalf("read back %+v", got)
	}
	if _, err := unmarshal([]byte{1, 'a', 1}, 0); err == nil {
		t.Fatal("a short payload decoded")
	}
}

func TestFollow(t *testing.T) {
	for _, tc := range []struct {
		name string
		o    ReadOptions
		want string
	}{
		// Only new events; the log rotates under the follower.
		{"from now", ReadOptions{}, "[10 11 12 13 14 15 16 17 18 19]"},
		// --until in the future: the logged ones first, as dockerd.
		{"until", ReadOptions{Until: time.Now().Add(time.Hour)}, "[0 1 10 11 12 13 14 15 16 17 18 19]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := Open(t.TempDir()).WithMaxSize(400)
			appendN(t, l, 0, 2, time.Now().Add(-time.Hour))
			done := make(chan struct{})
			got := make(chan []string, 1)
			tc.o.Follow, tc.o.Done = true, done
			var ids []string
			readErr := make(chan error, 1)
			go func() {
				readErr <- l.Read(tc.o, func(ev Event) error {
					ids = append(ids, ev.Actor.ID)
					if ev.Actor.ID == "19" {
						close(done)
					}
					return nil
				})
				got <- ids
			}()
			time.Sleep(200 * time.Millisecond)
			for i := 10; i < 20; i++ {
				if err := l.Append(Event{Type: Container, Action: "start", Actor: Actor{ID: strconv.Itoa(i)}}); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case ids := <-got:
				if err := <-readErr; err != nil {
					t.Fatalf("follow: %v", err)
				}
				if fmt.Sprint(ids) != tc.want {
					t.Fatalf("followed %v, want %s", ids, tc.want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("follower never saw event 19")
			}
			if files, _ := filepath.Glob(filepath.Join(l.dir, current+".*")); len(files) == 0 {
				t.Fatal("the log never rotated while followed")
			}
		})
	}
}

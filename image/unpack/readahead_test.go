package unpack

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"testing"
	"testing/iotest"
	"time"
)

// closeSignal is a ReadCloser that reports when it is closed.
type closeSignal struct {
	io.Reader
	closed chan struct{}
}

func (c *closeSignal) Close() error { close(c.closed); return nil }

func TestReadahead(t *testing.T) {
	const chunk = 1000
	broken := errors.New("broken stream")
	tests := []struct {
		name    string
		size    int
		failAt  int // -1: no failure
		wantErr error
	}{
		{"empty", 0, -1, nil},
		{"one byte", 1, -1, nil},
		{"under a chunk", chunk - 1, -1, nil},
		{"one chunk", chunk, -1, nil},
		{"many chunks", 7*chunk + 5, -1, nil},
		{"fails midway", 5*chunk + 5, 2*chunk + 3, broken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Repeat([]byte("abcdefg"), tc.size/7+1)[:tc.size]
			var src io.Reader = iotest.HalfReader(bytes.NewReader(data))
			if tc.failAt >= 0 {
				src = io.MultiReader(bytes.NewReader(data[:tc.failAt]), iotest.ErrReader(broken))
			}
			cs := &closeSignal{src, make(chan struct{})}
			h := sha256.New()
			ra := newReadahead(cs, h, 2, chunk)
			got, err := io.ReadAll(iotest.OneByteReader(ra))
			ra.Stop()
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			want := data
			if tc.failAt >= 0 {
				want = data[:tc.failAt]
			}
			if !bytes.Equal(got, want) {
				t.Errorf("read %d bytes, want %d", len(got), len(want))
			}
			if s := sha256.Sum256(want); tc.wantErr == nil && !bytes.Equal(h.Sum(nil), s[:]) {
				t.Errorf("hash of the stream differs")
			}
			select {
			case <-cs.closed:
			case <-time.After(5 * time.Second):
				t.Error("source not closed after the end")
			}
		})
	}
}

// TestReadaheadCloseEarly: a reader that stops early (Apply failed) lets
// the goroutine end and close the source.
func TestReadaheadCloseEarly(t *testing.T) {
	cs := &closeSignal{bytes.NewReader(make([]byte, 1<<20)), make(chan struct{})}
	ra := newReadahead(cs, sha256.New(), 2, 1000)
	if _, err := ra.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	ra.Stop()
	ra.Stop() // twice is fine
	select {
	case <-cs.closed:
	case <-time.After(5 * time.Second):
		t.Error("source not closed after Close")
	}
}

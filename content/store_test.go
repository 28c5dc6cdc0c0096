package content

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestIngestVerifies(t *testing.T) {
	data := []byte("hello berth")
	good := digest.FromBytes(data)
	tests := []struct {
		name    string
		d       digest.Digest
		size    int64
		wantErr error
	}{
		{"match", good, int64(len(data)), nil},
		{"unknown size", good, -1, nil},
		{"wrong digest", digest.FromString("other"), int64(len(data)), ErrMismatch},
		{"short", good, int64(len(data)) + 1, ErrMismatch},
		{"long", good, int64(len(data)) - 1, ErrMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			err = s.Ingest(context.Background(), tt.d, tt.size, bytes.NewReader(data))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Ingest: got %v, want %v", err, tt.wantErr)
			}
			if got := s.Exists(tt.d); got != (tt.wantErr == nil) {
				t.Errorf("Exists = %v after err %v", got, err)
			}
			left, _ := os.ReadDir(filepath.Join(s.Root(), "ingest"))
			for _, e := range left {
				if e.Name() != "gc.lock" {
					t.Errorf("ingest file left behind: %s", e.Name())
				}
			}
		})
	}
}

func TestWriterSecondWaitsAndReuses(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 1<<20)
	d := digest.FromBytes(data)
	ctx := context.Background()
	w, err := s.Writer(ctx, d, int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var second error
	wg.Add(1)
	go func() {
		defer wg.Done()
		w2, err := s.Writer(ctx, d, int64(len(data)))
		if err == nil {
			err = w2.Close()
		}
		second = err
	}()
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if !errors.Is(second, ErrExists) {
		t.Fatalf("second writer: got %v, want ErrExists", second)
	}
}

func TestSweepKeepsReferenced(t *testing.T) {
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	keep, err := s.IngestBytes(ctx, []byte("keep"))
	if err != nil {
		t.Fatal(err)
	}
	drop, _, err := s.IngestUnknown(ctx, bytes.NewReader([]byte("drop")))
	if err != nil {
		t.Fatal(err)
	}
	removed, size, err := s.Sweep(ctx, func() (map[digest.Digest]bool, error) {
		return map[digest.Digest]bool{keep: true}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 1 || removed[0] != drop || size != 4 {
		t.Errorf("Sweep removed %v (%d bytes), want [%s] (4)", removed, size, drop)
	}
	if !s.Exists(keep) || s.Exists(drop) {
		t.Errorf("after sweep: keep exists=%v drop exists=%v", s.Exists(keep), s.Exists(drop))
	}
}

func TestBlobPathRejectsBadDigests(t *testing.T) {
	s := &Store{root: "/x"}
	for _, d := range []digest.Digest{"sha256:../../etc", "md5:abc", ""} {
		if _, err := s.BlobPath(d); err == nil {
			t.Errorf("BlobPath(%q) accepted", d)
		}
	}
}

package unpack

import (
	"bytes"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"
)

// A layer unpacked as it streams lands under the chain ID Unpack would
// give it: Unpack of the same image then opens nothing.
func TestPendingCommitsUnderChainID(t *testing.T) {
	sn := newSnapshotter(t, t.TempDir())
	base := newLayer(t, "", dir("etc/"), reg("etc/keep", "keep"))
	top := newLayer(t, "", dir("app/"), reg("app/f", "content"))
	baseChain, err := Unpack(t.Context(), sn, layersOf(base))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Begin(t.Context(), sn, baseChain.String())
	if err != nil {
		t.Fatal(err)
	}
	// The tar's end-of-archive blocks and padding after them are read
	// too: a tee into the reader must never block.
	r := io.MultiReader(bytes.NewReader(top.tar), bytes.NewReader(make([]byte, 4096)))
	if err := p.Apply(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if n, _ := r.Read(make([]byte, 1)); n != 0 {
		t.Error("Apply left the stream unread")
	}
	chain, err := p.Commit(t.Context(), digest.FromBytes(top.tar))
	if err != nil {
		t.Fatal(err)
	}
	p.Abort(t.Context()) // after a commit: nothing
	want := ChainIDs([]digest.Digest{digest.FromBytes(base.tar), digest.FromBytes(top.tar)})
	if chain != want[1] {
		t.Errorf("Commit = %s, want chain ID %s", chain, want[1])
	}
	wantCommitted(t, sn, want)
	layers := layersOf(base, top)
	if got, err := Unpack(t.Context(), sn, layers); err != nil || got != want[1] {
		t.Fatalf("Unpack after the stream: %s, %v", got, err)
	}
	if n := top.opened.Load(); n != 0 {
		t.Errorf("Unpack opened the streamed layer %d times, want 0", n)
	}
}

// A failed or abandoned stream leaves no snapshot behind, and a second
// stream of a layer that exists keeps the first copy.
func TestPendingAbortAndDuplicate(t *testing.T) {
	sn := newSnapshotter(t, t.TempDir())
	l := newLayer(t, "", reg("f", "x"))
	p, err := Begin(t.Context(), sn, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Apply(t.Context(), bytes.NewReader(bytes.Repeat([]byte("not a tar "), 100))); err == nil {
		t.Error("Apply of garbage succeeded")
	}
	p.Abort(t.Context())
	p.Abort(t.Context())
	wantCommitted(t, sn, nil)

	for i := range 2 {
		p, err := Begin(t.Context(), sn, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Apply(t.Context(), bytes.NewReader(l.tar)); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Commit(t.Context(), digest.FromBytes(l.tar)); err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
	}
	wantCommitted(t, sn, []digest.Digest{digest.FromBytes(l.tar)})
	if _, err := Begin(t.Context(), sn, digest.FromString("no such layer").String()); err == nil {
		t.Error("Begin on a missing parent succeeded")
	}
	wantCommitted(t, sn, []digest.Digest{digest.FromBytes(l.tar)})
}

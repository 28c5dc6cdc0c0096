package unpack

import (
	"hash"
	"io"
	"sync"
)

// readahead decompresses and hashes in a goroutine of its own, a few
// chunks ahead of the reader, so that on two cores the gzip/zstd decoding
// overlaps with the file writes of layer.Apply instead of alternating.
type readahead struct {
	chunks  chan chunk
	free    chan []byte
	done    chan struct{}
	stop    sync.Once
	cur     []byte // unread part of the chunk being consumed
	curBuf  []byte // its whole buffer, recycled when consumed
	err     error  // the error that came with the current chunk
	pending bool   // curBuf is set and not yet recycled
}

type chunk struct {
	data, buf []byte
	err       error
}

// newReadahead reads src into depth chunks of size bytes ahead, writing
// each to h first. It closes src when it stops.
func newReadahead(src io.ReadCloser, h hash.Hash, depth, size int) *readahead {
	ra := &readahead{
		chunks: make(chan chunk, depth),
		free:   make(chan []byte, depth+2),
		done:   make(chan struct{}),
	}
	for range depth + 2 {
		ra.free <- make([]byte, size)
	}
	go ra.fill(src, h)
	return ra
}

func (ra *readahead) fill(src io.ReadCloser, h hash.Hash) {
	defer src.Close()
	for {
		var buf []byte
		select {
		case buf = <-ra.free:
		case <-ra.done:
			return
		}
		n, err := fillBuf(src, buf)
		h.Write(buf[:n])
		select {
		case ra.chunks <- chunk{buf[:n], buf, err}:
		case <-ra.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// fillBuf reads until buf is full or src fails; unlike io.ReadFull it
// keeps src's own error, io.EOF included.
func fillBuf(src io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := src.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func (ra *readahead) Read(p []byte) (int, error) {
	for len(ra.cur) == 0 {
		if ra.err != nil {
			return 0, ra.err
		}
		if ra.pending {
			ra.free <- ra.curBuf
			ra.pending = false
		}
		c := <-ra.chunks
		ra.cur, ra.curBuf, ra.err, ra.pending = c.data, c.buf, c.err, true
	}
	n := copy(p, ra.cur)
	ra.cur = ra.cur[n:]
	return n, nil
}

// Stop stops the goroutine without waiting for it: it may be blocked
// reading src, which the caller unblocks by closing what src reads from.
// It cannot fail, and a second Stop does nothing.
func (ra *readahead) Stop() {
	ra.stop.Do(func() { close(ra.done) })
}

package layer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Compression is how a layer blob is compressed.
type Compression int

// The compressions Decompress recognises.
const (
	Uncompressed Compression = iota
	Gzip
	Zstd
)

func (c Compression) String() string {
	switch c {
	case Gzip:
		return "gzip"
	case Zstd:
		return "zstd"
	}
	return "uncompressed"
}

// readBufferSize is large so that decompressors, which make small reads,
// cost few reads of the underlying file or socket.
const readBufferSize = 1 << 20

var (
	magicGzip = []byte{0x1f, 0x8b}
	magicZstd = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// Decompress sniffs r's first bytes and returns the decompressed stream and
// what it was. Closing the result releases the decompressor, not r.
func Decompress(r io.Reader) (io.ReadCloser, Compression, error) {
	br := bufio.NewReaderSize(r, readBufferSize)
	head, err := br.Peek(len(magicZstd))
	if err != nil && err != io.EOF {
		return nil, Uncompressed, fmt.Errorf("layer: read compression magic: %w", err)
	}
	switch {
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, Gzip, fmt.Errorf("layer: open gzip stream: %w", err)
		}
		return zr, Gzip, nil
	case bytes.HasPrefix(head, magicZstd):
		// Two: decoding in a goroutine of its own overlaps with writing
		// files; more would only add a window of memory each.
		zr, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(2))
		if err != nil {
			return nil, Zstd, fmt.Errorf("layer: open zstd stream: %w", err)
		}
		return zr.IOReadCloser(), Zstd, nil
	}
	return io.NopCloser(br), Uncompressed, nil
}

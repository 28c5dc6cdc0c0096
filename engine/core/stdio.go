package core

import (
	"io"
	"os"

	"github.com/berth-containers/berth/engine/attach"
)

// Stdio is the caller's end of a foreground container: nil fields mean
// not attached.
type Stdio struct {
	In       *os.File // with -i; a terminal is put in raw mode with -t
	Out, Err io.Writer
	// NoSigProxy keeps the signals this process gets from the container
	// (run --sig-proxy=false).
	NoSigProxy bool
	// The monitor's own Stdio (engine/runner) sets the rest: Detached
	// marks it, OnConsole is given the pty master of a -t container,
	// Attach is its attach server.
	Detached  bool
	OnConsole func(master *os.File)
	Attach    *attach.Server
}

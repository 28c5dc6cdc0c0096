package engine

import (
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/execproc"
)

// The commands on containers as users see them, each a door to the step
// package that does it (engine/execproc, engine/lifecycle, ...).

// Exec runs a process in a running container and returns its exit code
// (engine/execproc).
func (e *Engine) Exec(ref string, o execproc.Options, stdio core.Stdio) (int, error) {
	return execproc.Exec(e.c, ref, o, stdio)
}

// Package execproc is exec: a process run in a running container through
// its runtime, in the foreground (this process reaps it and proxies its
// terminal) or detached, waited for by a process of its own (wait.go).
// The CLI's exec, the API's exec and the monitor's healthcheck probes all
// run through Exec.
package execproc

import (
	"strings"

	"github.com/berth-containers/berth/engine/core"
)

// ops is the core seen as exec.
type ops struct{ c *core.Core }

// Exec runs a process in a running container through the runtime library
// and waits for it, returning its exit code; a Detach one is waited for by
// a process of its own (execDetached).
func Exec(c *core.Core, ref string, o Options, stdio core.Stdio) (int, error) {
	return ops{c}.exec(ref, o, stdio)
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}

package runner

import (
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/execproc"
	"github.com/berth-containers/berth/engine/health"
	"github.com/berth-containers/berth/engine/record"
)

// prober runs the probes of the engine's containers: each in a
// health-mode berth (the monitor entry point, with health.Env set) that
// execs the test as berth exec.
func (e ops) prober() *health.Prober {
	return &health.Prober{
		Records: e.c.Records,
		Exec: func(c *record.Container, argv []string, timeout time.Duration, out io.Writer) (int, error) {
			return execproc.Exec(e.c, c.ID, execproc.Options{Cmd: argv, Timeout: timeout}, core.Stdio{Out: out, Err: out})
		},
		Emit: func(c *record.Container, action string) { e.c.Emit(c, action) },
		Command: func(id string) (*exec.Cmd, error) {
			exe, err := os.Executable()
			if err != nil {
				return nil, err
			}
			cmd := exec.Command(exe, "monitor", e.c.Root, e.c.Runroot, id)
			cmd.Args[0] = "berth-health"
			cmd.Env = append(os.Environ(), Env+"=1", health.Env+"=1")
			return cmd, nil
		},
	}
}

// watchHealth probes c from a monitor that stays in Go until stop is
// called (health.Prober.Watch).
func (e ops) watchHealth(c *record.Container) (stop func()) { return e.prober().Watch(c) }

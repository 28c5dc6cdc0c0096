package runner

import (
	"log/slog"
	"os"
	"time"

	"github.com/berth-containers/berth/engine/attach"
	"github.com/berth-containers/berth/engine/core"
	"github.com/berth-containers/berth/engine/record"
	"golang.org/x/sys/unix"
)

// monitorStdio makes the monitor's attach server and the Stdio that runs
// the container through it. Without the socket a container still runs:
// it only cannot be attached to.
func (e ops) monitorStdio(c *record.Container) *core.Stdio {
	srv, err := attach.Listen(e.c.RunDir(c.ID), c.Config.OpenStdin)
	if err != nil {
		slog.Warn("attach socket", "id", c.ID, "error", err)
		return nil
	}
	return attachedStdio(srv)
}

// attachedStdio is the Stdio that runs a container through srv.
func attachedStdio(srv *attach.Server) *core.Stdio {
	stdio := &core.Stdio{Out: srv.Stdout(), Err: srv.Stderr(), Detached: true, OnConsole: srv.SetMaster, Attach: srv}
	if in := srv.Stdin(); in != nil {
		stdio.In = in
	}
	return stdio
}

// awaitWaiters is the monitor's side of HoldRemoval.
func (e ops) awaitWaiters(id string) {
	f, err := os.Open(e.c.LogPath(id))
	if err != nil {
		return
	}
	defer f.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil {
			return
		}
	}
}

package core

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/eventlog"
	"github.com/berth-containers/berth/volume"
)

// Emit logs a container event as dockerd's LogContainerEventWithAttributes:
// the container's labels, its image as the user named it and its name,
// with extra (exitCode, signal, ...) over them. A log that cannot be
// written never fails the action (eventlog.Emit).
func (e *Core) Emit(c *record.Container, action string, extra ...string) {
	attrs := make(map[string]string, len(c.Config.Labels)+2+len(extra)/2)
	for k, v := range c.Config.Labels {
		attrs[k] = v
	}
	attrs["image"], attrs["name"] = c.Image, strings.TrimPrefix(c.Name, "/")
	for i := 0; i+1 < len(extra); i += 2 {
		attrs[extra[i]] = extra[i+1]
	}
	eventlog.Emit(e.Root, eventlog.Container, action, c.ID, attrs)
}

// EmitExit logs a run's end: oom first when the kernel killed it, then die.
func (e *Core) EmitExit(c *record.Container, code int, oom bool) {
	if oom {
		e.Emit(c, "oom")
	}
	e.Emit(c, "die", "exitCode", strconv.Itoa(code))
}

func (e *Core) EmitKill(c *record.Container, sig unix.Signal) {
	e.Emit(c, "kill", "signal", strconv.Itoa(int(sig)))
}

// EmitExec logs exec_create and exec_start as Docker names them, with the
// command after the colon, and returns the exec's ID for its exec_die.
func (e *Core) EmitExec(c *record.Container, cmd []string) string {
	id := NewID()
	action := ": " + strings.Join(cmd, " ")
	e.Emit(c, "exec_create"+action, "execID", id)
	e.Emit(c, "exec_start"+action, "execID", id)
	return id
}

// EmitRestart logs a restart, which the CLI makes of a stop and a start.
func (e *Core) EmitRestart(ref string) {
	if c, err := e.Records.Get(ref); err == nil {
		e.Emit(c, "restart")
	}
}

// EmitRename logs a rename under the new name, with the old one (a
// leading slash, as Docker's records name containers) in oldName.
func (e *Core) EmitRename(c *record.Container, name string) {
	old := c.Name
	c.Name = name
	e.Emit(c, "rename", "oldName", "/"+strings.TrimPrefix(old, "/"))
}

// EmitVolumes logs mount (at start) or unmount (at exit) of each named
// volume the container uses, with dockerd's attributes.
func (e *Core) EmitVolumes(c *record.Container, action string) {
	for _, m := range c.HostConfig.Mounts {
		if m.Type != "volume" {
			continue
		}
		attrs := map[string]string{"container": c.ID}
		if action == "mount" {
			attrs["destination"], attrs["propagation"] = m.Destination, ""
			attrs["read/write"] = strconv.FormatBool(!m.ReadOnly)
		}
		volume.Emit(e.Root, action, m.Name, attrs)
	}
}

// EmitForcedRemove logs what rm -f of a running container does before its
// destroy, as Docker's: a SIGKILL and the die it causes (the monitor,
// killed first, cannot log it).
func (e *Core) EmitForcedRemove(c *record.Container) {
	if c.Running() || c.State.Status == record.StatusRestarting {
		e.EmitKill(c, unix.SIGKILL)
		e.Emit(c, "die", "exitCode", "137")
	}
}

// EmitAttach logs the attach of start -a, which Docker logs before the
// start; it reports whether it did.
func (e *Core) EmitAttach(ref string) bool {
	c, err := e.Records.Get(ref)
	if err != nil {
		return false
	}
	e.Emit(c, "attach")
	return true
}

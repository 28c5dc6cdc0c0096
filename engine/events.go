package engine

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/eventlog"
	"github.com/berth-containers/berth/volume"
)

// emit logs a container event as dockerd's LogContainerEventWithAttributes:
// the container's labels, its image as the user named it and its name,
// with extra (exitCode, signal, ...) over them. A log that cannot be
// written never fails the action (eventlog.Emit).
func (e *eventOps) emit(c *Container, action string, extra ...string) {
	attrs := make(map[string]string, len(c.Config.Labels)+2+len(extra)/2)
	for k, v := range c.Config.Labels {
		attrs[k] = v
	}
	attrs["image"], attrs["name"] = c.Image, strings.TrimPrefix(c.Name, "/")
	for i := 0; i+1 < len(extra); i += 2 {
		attrs[extra[i]] = extra[i+1]
	}
	eventlog.Emit(e.root, eventlog.Container, action, c.ID, attrs)
}

// emitExit logs a run's end: oom first when the kernel killed it, then die.
func (e *eventOps) emitExit(c *Container, info exitInfo) {
	if info.oom {
		e.emit(c, "oom")
	}
	e.emit(c, "die", "exitCode", strconv.Itoa(info.code))
}

func (e *eventOps) emitKill(c *Container, sig unix.Signal) {
	e.emit(c, "kill", "signal", strconv.Itoa(int(sig)))
}

// emitExec logs exec_create and exec_start as Docker names them, with the
// command after the colon, and returns the exec's ID for its exec_die.
func (e *eventOps) emitExec(c *Container, cmd []string) string {
	id := newID()
	action := ": " + strings.Join(cmd, " ")
	e.emit(c, "exec_create"+action, "execID", id)
	e.emit(c, "exec_start"+action, "execID", id)
	return id
}

// EmitRestart logs a restart, which the CLI makes of a stop and a start.
func (e *Engine) EmitRestart(ref string) {
	if c, err := e.db.get(ref); err == nil {
		e.ev.emit(c, "restart")
	}
}

// EmitAttach logs an attach that the Engine API serves, as dockerd logs
// each one.
func (e *Engine) EmitAttach(ref string) { e.ev.emitAttach(ref) }

// emitRename logs a rename under the new name, with the old one (a
// leading slash, as Docker's records name containers) in oldName.
func (e *eventOps) emitRename(c *Container, name string) {
	old := c.Name
	c.Name = name
	e.emit(c, "rename", "oldName", "/"+strings.TrimPrefix(old, "/"))
}

// emitVolumes logs mount (at start) or unmount (at exit) of each named
// volume the container uses, with dockerd's attributes.
func (e *eventOps) emitVolumes(c *Container, action string) {
	for _, m := range c.HostConfig.Mounts {
		if m.Type != "volume" {
			continue
		}
		attrs := map[string]string{"container": c.ID}
		if action == "mount" {
			attrs["destination"], attrs["propagation"] = m.Destination, ""
			attrs["read/write"] = strconv.FormatBool(!m.ReadOnly)
		}
		volume.Emit(e.root, action, m.Name, attrs)
	}
}

// emitForcedRemove logs what rm -f of a running container does before its
// destroy, as Docker's: a SIGKILL and the die it causes (the monitor,
// killed first, cannot log it).
func (e *eventOps) emitForcedRemove(c *Container) {
	if c.Running() || c.State.Status == StatusRestarting {
		e.emitKill(c, unix.SIGKILL)
		e.emit(c, "die", "exitCode", "137")
	}
}

// emitAttach logs the attach of start -a, which Docker logs before the
// start; it reports whether it did.
func (e *eventOps) emitAttach(ref string) bool {
	c, err := e.db.get(ref)
	if err != nil {
		return false
	}
	e.emit(c, "attach")
	return true
}

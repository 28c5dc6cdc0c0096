package responder

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/portmap"
)

// Published host ports are held, not only DNAT'd: a process binds each
// one, so the kernel refuses it to host programs and to other berth roots
// for as long as it is published, and a port someone else took after
// Attach's probe fails the start that wanted it. The holder is never a
// process that starts containers with the sockets open (the monitor's
// fds reach its container): it is the root's responder (responder.go,
// the one process a root keeps while its containers need it), or for a
// foreground run its own process, whose sockets are close-on-exec and
// which lives exactly as long as the container (no responder start on
// the path of `run --rm -p`). A killed responder frees the ports; the next
// sync (any attach or detach, or repair) binds them again, and it takes
// over those of a foreground run that was killed.

type heldPort struct {
	c     io.Closer
	owner string // container ID
}

// portKey is one host socket: protocol, address and port.
func portKey(m portmap.Mapping) string {
	return fmt.Sprintf("%s/%s:%d", m.Protocol, m.HostIP, m.HostPort)
}

// holdPorts holds exactly the published ports of eps. Its error is about
// container id's ports only; others' are logged.
func (r *responder) holdPorts(eps []network.Endpoint, id string) error {
	want := map[string]portmap.Mapping{}
	owner := map[string]string{}
	for _, ep := range eps {
		if !Holds(ep) {
			continue
		}
		for _, m := range ep.Ports {
			want[portKey(m)], owner[portKey(m)] = m, ep.ContainerID
		}
	}
	for k, h := range r.ports {
		if _, ok := want[k]; !ok {
			h.c.Close()
			delete(r.ports, k)
		}
	}
	var mine error
	for k, m := range want {
		if h, ok := r.ports[k]; ok {
			h.owner = owner[k]
			r.ports[k] = h
			continue
		}
		c, err := portmap.Hold(m)
		if err != nil {
			if owner[k] == id {
				mine = err
			} else {
				slog.Warn("hold published port", "container", owner[k], "error", err)
			}
			continue
		}
		r.ports[k] = heldPort{c: c, owner: owner[k]}
	}
	return mine
}

// replyError is a responder's error reply; a port it could not hold is
// portmap.ErrPortInUse, for the engine's port error wording.
func replyError(reply string) error {
	msg := strings.TrimPrefix(reply, "error: ")
	if strings.Contains(msg, portmap.ErrPortInUse.Error()) {
		return portInUseError(msg)
	}
	return fmt.Errorf("embedded dns: %s", msg)
}

type portInUseError string

func (e portInUseError) Error() string        { return string(e) }
func (e portInUseError) Is(target error) bool { return target == portmap.ErrPortInUse }

// Holds says whether the responder holds ep's ports: it has some,
// and no live process of its own holds them.
func Holds(ep network.Endpoint) bool {
	return len(ep.Ports) > 0 && (ep.PortsHolder == 0 || !proc.Alive(ep.PortsHolder, ep.PortsHolderStart))
}

package engine

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/portmap"
)

// Published host ports are held, not only DNAT'd: the root's responder
// (network_dns.go, the one process a root keeps while its containers need
// it) binds every published port of the root's endpoints, so the kernel
// refuses them to host programs and to other berth roots for as long as
// they are published, and a port someone else took after Attach's probe
// fails the start that wanted it. A killed responder frees the ports; the
// next sync (any attach or detach, or repair) binds them again.

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
// portmap.ErrPortInUse, for portError's wording.
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

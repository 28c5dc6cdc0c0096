package netsetup

import (
	"os"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/portmap"
	"github.com/berth-containers/berth/network/responder"
)

// portsHolder is this process, for Attach, when it holds its container's
// ports itself (a foreground run).
func (s *Setup) portsHolder() (int, uint64) {
	if !s.OwnPorts {
		return 0, 0
	}
	start, _, err := proc.StartTime(os.Getpid())
	if err != nil {
		return 0, 0
	}
	return os.Getpid(), start
}

// holdOwnPorts holds ep's ports in this process if Attach named it.
func (s *Setup) holdOwnPorts(c *record.Container, ep network.Endpoint) error {
	if ep.PortsHolder != os.Getpid() {
		return nil
	}
	for _, m := range ep.Ports {
		h, err := portmap.Hold(m)
		if err != nil {
			return portError(c, err)
		}
		s.held = append(s.held, h)
	}
	return nil
}

// releaseOwnPorts closes the sockets holdOwnPorts opened.
func (s *Setup) releaseOwnPorts() {
	for _, h := range s.held {
		h.Close()
	}
	s.held = nil
}

// syncDNS tells the root's responder that container id's endpoints
// changed ("" for none), starting one if some container needs it.
func (s *Setup) syncDNS(id string) error {
	return responder.Sync(s.Root, s.RunRoot, id, s.dnsNeeded)
}

// dnsNeeded reports whether some container is on a user network or
// publishes a port.
func (s *Setup) dnsNeeded() (bool, error) {
	eps, err := s.networks().Endpoints("")
	for _, ep := range eps {
		if ep.NetworkName != network.DefaultName || responder.Holds(ep) {
			return true, err
		}
	}
	return false, err
}

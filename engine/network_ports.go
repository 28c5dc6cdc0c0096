package engine

import (
	"os"

	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/portmap"
	"github.com/berth-containers/berth/network/responder"
)

// portsHolder is this process, for Attach, when it holds its container's
// ports itself (a foreground run).
func (ops *Network) portsHolder() (int, uint64) {
	if !ops.e.ownPorts {
		return 0, 0
	}
	start, _, err := proc.StartTime(os.Getpid())
	if err != nil {
		return 0, 0
	}
	return os.Getpid(), start
}

// holdOwnPorts holds ep's ports in this process if Attach named it.
func (ops *Network) holdOwnPorts(c *Container, ep network.Endpoint) error {
	if ep.PortsHolder != os.Getpid() {
		return nil
	}
	for _, m := range ep.Ports {
		h, err := portmap.Hold(m)
		if err != nil {
			return portError(c, err)
		}
		ops.e.held = append(ops.e.held, h)
	}
	return nil
}

// releaseOwnPorts closes the sockets holdOwnPorts opened.
func (ops *Network) releaseOwnPorts() {
	for _, h := range ops.e.held {
		h.Close()
	}
	ops.e.held = nil
}

// syncDNS tells the root's responder that container id's endpoints
// changed ("" for none), starting one if some container needs it.
func (ops *Network) syncDNS(id string) error {
	return responder.Sync(ops.e.root, ops.e.runroot, id, ops.dnsNeeded)
}

// dnsNeeded reports whether some container is on a user network or
// publishes a port.
func (ops *Network) dnsNeeded() (bool, error) {
	eps, err := ops.e.Networks().Endpoints("")
	for _, ep := range eps {
		if ep.NetworkName != network.DefaultName || responder.Holds(ep) {
			return true, err
		}
	}
	return false, err
}

// DNSEnv marks the responder process, so main routes it before flags.
const DNSEnv = responder.Env

// DNSMain is the responder's whole life (network/responder); it returns
// its exit code.
func DNSMain(args []string) int {
	return responder.Main(args, func(root, runroot string) *network.Store {
		return New(Options{Root: root, Runroot: runroot}).Networks()
	})
}

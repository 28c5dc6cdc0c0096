package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/berth-containers/berth/network/netns"
)

// Repaired lists what Repair removed.
type Repaired struct {
	Endpoints []string // network/container of leases of gone containers
	Veths     []string // host veths with no endpoint record
	Ports     []string // DNAT elements pointing at no endpoint
	NetNS     []string // pinned namespaces of gone containers
}

// Empty reports whether nothing needed repair.
func (r Repaired) Empty() bool {
	return len(r.Endpoints)+len(r.Veths)+len(r.Ports)+len(r.NetNS) == 0
}

// Repair removes what a crashed or killed berth process left of containers
// that no longer exist: endpoint records (leases) with their veths and
// DNAT elements, veths on berth's bridges that no record names, port map
// elements that point at no endpoint, and namespaces pinned under
// NetNSDir. exists reports whether a container ID is still known to the
// engine (running or not); a container that exists keeps everything.
// The engine calls it at start-up of commands that touch networking.
func (s *Store) Repair(ctx context.Context, exists func(containerID string) bool) (Repaired, error) {
	var r Repaired
	var errs []error
	var nets []Network
	var eps []Endpoint
	if err := s.update(func(t tx) (err error) {
		if nets, err = t.networks(); err != nil {
			return err
		}
		eps, err = t.endpoints("")
		return err
	}); err != nil {
		return r, err
	}
	keepVeth := map[string]bool{}
	keepIP := map[netip.Addr]bool{}
	for _, ep := range eps {
		if exists(ep.ContainerID) {
			keepVeth[ep.HostVeth] = true
			keepIP[ep.IP] = true
			continue
		}
		if err := s.undo(ep); err != nil {
			errs = append(errs, err)
			continue
		}
		r.Endpoints = append(r.Endpoints, ep.NetworkName+"/"+ep.ContainerID)
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}

	if err := s.inNS(false, func() error {
		var err error
		r.Veths, r.Ports, err = s.repairKernel(nets, keepVeth, keepIP)
		return err
	}); err != nil {
		errs = append(errs, err)
	}

	pinned, err := netns.List(s.NetNSDir())
	if err != nil {
		errs = append(errs, err)
	}
	for _, id := range pinned {
		if exists(id) {
			continue
		}
		if err := netns.Remove(filepath.Join(s.NetNSDir(), id)); err != nil {
			errs = append(errs, err)
			continue
		}
		r.NetNS = append(r.NetNS, id)
	}
	// A store's own namespace left by a killed `network create` (or kept
	// after a network rm failed midway) goes once no network needs it.
	if len(nets) == 0 {
		errs = append(errs, s.releaseNamespace())
	}
	return r, errors.Join(errs...)
}

// repairKernel removes veths and port elements that no endpoint record
// keeps: what a crash left between a kernel step and its record.
func (s *Store) repairKernel(nets []Network, keepVeth map[string]bool, keepIP map[netip.Addr]bool) (veths, ports []string, err error) {
	var errs []error
	// Veths a crash left between creating the link and the record (or
	// after the record was gone): any vb* link on one of our bridges.
	bridges := map[int]bool{}
	for _, n := range nets {
		if l, err := netlink.LinkByName(n.Bridge); err == nil {
			bridges[l.Attrs().Index] = true
		}
	}
	links, err := netlink.LinkList()
	if err != nil {
		errs = append(errs, fmt.Errorf("repair: list links: %w", err))
	}
	for _, l := range links {
		a := l.Attrs()
		if !strings.HasPrefix(a.Name, vethPrefix) || !bridges[a.MasterIndex] || keepVeth[a.Name] {
			continue
		}
		if err := deleteLink(a.Name); err != nil {
			errs = append(errs, err)
			continue
		}
		veths = append(veths, a.Name)
	}

	// Port elements whose target is no live endpoint of our subnets.
	fw := firewall{s.opts.Table}
	elems, err := fw.listPorts()
	if err != nil {
		errs = append(errs, err)
	}
	var stale []portElement
	for _, e := range elems {
		if !keepIP[e.IP] && inAny(e.IP, nets) {
			stale = append(stale, e)
			ports = append(ports, e.Map+" "+e.Key)
		}
	}
	if err := fw.removeElements(stale); err != nil {
		errs = append(errs, err)
	}
	return veths, ports, errors.Join(errs...)
}

func inAny(a netip.Addr, nets []Network) bool {
	for _, n := range nets {
		if n.Subnet.Contains(a) {
			return true
		}
	}
	return false
}

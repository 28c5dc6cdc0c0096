// Package dns is the embedded DNS responder of berth's user networks, as
// Docker's 127.0.0.11: it answers the names of containers from a Lookup
// and forwards every other question to upstream resolvers.
//
// It listens on sockets opened inside the container's network namespace
// but runs, and forwards, from the calling process's own namespace: the
// per-container monitor (on the host's namespace) serves its container,
// and reaches the host's resolvers even when they are on loopback.
package dns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	mdns "github.com/miekg/dns"

	"github.com/berth-containers/berth/network/netns"
)

// TTL of answers about containers: short, since containers come and go.
const TTL = 600

// Lookup returns the addresses of a container name (lower case, no
// trailing dot), or none if the name is not a container's.
type Lookup func(name string) []netip.Addr

// Server is one responder.
type Server struct {
	udp, tcp  *mdns.Server
	lookup    Lookup
	upstreams []string
	client    *mdns.Client
}

// Start listens on addr (such as "127.0.0.11:53") inside the namespace at
// netnsPath, or in the caller's namespace if netnsPath is "". upstreams are
// "ip:port" resolvers for other names; none means NXDOMAIN for them.
func Start(netnsPath, addr string, lookup Lookup, upstreams []string) (*Server, error) {
	var pc net.PacketConn
	var ln net.Listener
	listen := func() (err error) {
		if pc, err = net.ListenPacket("udp4", addr); err != nil {
			return fmt.Errorf("dns listen udp %s: %w", addr, err)
		}
		// The UDP port, so that port 0 gives one port for both.
		if ln, err = net.Listen("tcp4", pc.LocalAddr().String()); err != nil {
			pc.Close()
			return fmt.Errorf("dns listen tcp %s: %w", addr, err)
		}
		return nil
	}
	var err error
	if netnsPath == "" {
		err = listen()
	} else {
		err = netns.Do(netnsPath, listen)
	}
	if err != nil {
		return nil, err
	}
	s := &Server{lookup: lookup, upstreams: upstreams, client: &mdns.Client{Timeout: 2 * time.Second}}
	s.udp = &mdns.Server{PacketConn: pc, Handler: s}
	s.tcp = &mdns.Server{Listener: ln, Handler: s}
	started := make(chan struct{}, 2)
	s.udp.NotifyStartedFunc = func() { started <- struct{}{} }
	s.tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	// Serving ends with Close, whose error is Close's to report.
	go func() { _ = s.udp.ActivateAndServe() }()
	go func() { _ = s.tcp.ActivateAndServe() }()
	<-started
	<-started
	return s, nil
}

// Addr is the UDP address the responder listens on.
func (s *Server) Addr() string { return s.udp.PacketConn.LocalAddr().String() }

// Close stops the responder and closes its sockets.
func (s *Server) Close() error {
	return errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
}

// ServeDNS answers one query.
func (s *Server) ServeDNS(w mdns.ResponseWriter, req *mdns.Msg) {
	resp, err := s.answer(req, w.RemoteAddr().Network())
	if err != nil {
		resp = new(mdns.Msg)
		resp.SetRcode(req, mdns.RcodeServerFailure)
	}
	_ = w.WriteMsg(resp)
}

func (s *Server) answer(req *mdns.Msg, network string) (*mdns.Msg, error) {
	if len(req.Question) != 1 {
		m := new(mdns.Msg)
		return m.SetRcode(req, mdns.RcodeFormatError), nil
	}
	q := req.Question[0]
	name := strings.ToLower(strings.TrimSuffix(q.Name, "."))
	if ips := s.lookup(name); len(ips) > 0 {
		m := new(mdns.Msg)
		m.SetReply(req)
		m.Authoritative = true
		m.RecursionAvailable = true
		for _, ip := range ips {
			if q.Qtype == mdns.TypeA && ip.Is4() || q.Qtype == mdns.TypeAAAA && ip.Is6() {
				hdr := mdns.RR_Header{Name: q.Name, Rrtype: q.Qtype, Class: mdns.ClassINET, Ttl: TTL}
				if ip.Is4() {
					m.Answer = append(m.Answer, &mdns.A{Hdr: hdr, A: ip.AsSlice()})
				} else {
					m.Answer = append(m.Answer, &mdns.AAAA{Hdr: hdr, AAAA: ip.AsSlice()})
				}
			}
		}
		// A known name with no record of the asked type: NOERROR, empty,
		// so that resolvers asking A and AAAA use the A answer.
		return m, nil
	}
	if len(s.upstreams) == 0 {
		m := new(mdns.Msg)
		m.SetRcode(req, mdns.RcodeNameError)
		m.RecursionAvailable = true
		return m, nil
	}
	client := *s.client
	client.Net = network
	var lastErr error
	for _, up := range s.upstreams {
		resp, _, err := client.Exchange(req, up)
		if err == nil {
			return resp, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("forward %s: %w", name, lastErr)
}

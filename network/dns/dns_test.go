package dns

import (
	"net/netip"
	"testing"

	mdns "github.com/miekg/dns"
)

func TestResponder(t *testing.T) {
	web := netip.MustParseAddr("10.88.0.2")
	upstream, err := Start("", "127.0.0.1:0", func(name string) []netip.Addr {
		if name == "example.org" {
			return []netip.Addr{netip.MustParseAddr("192.0.2.80")}
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeServer(t, upstream)
	lookup := func(name string) []netip.Addr {
		if name == "web" || name == "alias" {
			return []netip.Addr{web}
		}
		return nil
	}
	plain, err := Start("", "127.0.0.1:0", lookup, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeServer(t, plain)
	fwd, err := Start("", "127.0.0.1:0", lookup, []string{"127.0.0.1:1", upstream.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	defer closeServer(t, fwd)

	tests := []struct {
		name   string
		srv    *Server
		net    string
		q      string
		qtype  uint16
		rcode  int
		answer string
	}{
		{"A", plain, "udp", "web.", mdns.TypeA, mdns.RcodeSuccess, "10.88.0.2"},
		{"case and tcp", plain, "tcp", "WEB.", mdns.TypeA, mdns.RcodeSuccess, "10.88.0.2"},
		{"alias", plain, "udp", "alias.", mdns.TypeA, mdns.RcodeSuccess, "10.88.0.2"},
		{"AAAA of a known name is empty", plain, "udp", "web.", mdns.TypeAAAA, mdns.RcodeSuccess, ""},
		{"unknown without upstream", plain, "udp", "nope.", mdns.TypeA, mdns.RcodeNameError, ""},
		{"forwarded past a dead upstream", fwd, "udp", "example.org.", mdns.TypeA, mdns.RcodeSuccess, "192.0.2.80"},
		{"local wins over upstream", fwd, "udp", "web.", mdns.TypeA, mdns.RcodeSuccess, "10.88.0.2"},
		{"upstream NXDOMAIN passed on", fwd, "udp", "nope.", mdns.TypeA, mdns.RcodeNameError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := new(mdns.Msg)
			m.SetQuestion(tt.q, tt.qtype)
			c := &mdns.Client{Net: tt.net}
			resp, _, err := c.Exchange(m, tt.srv.Addr())
			if err != nil {
				t.Fatal(err)
			}
			if resp.Rcode != tt.rcode {
				t.Fatalf("rcode %s, want %s", mdns.RcodeToString[resp.Rcode], mdns.RcodeToString[tt.rcode])
			}
			got := ""
			if len(resp.Answer) == 1 {
				if a, ok := resp.Answer[0].(*mdns.A); ok {
					got = a.A.String()
				}
			} else if len(resp.Answer) > 1 {
				t.Fatalf("answers %v", resp.Answer)
			}
			if got != tt.answer {
				t.Fatalf("answer %q, want %q", got, tt.answer)
			}
		})
	}
}

func closeServer(t *testing.T, s *Server) {
	if err := s.Close(); err != nil {
		t.Errorf("close DNS server: %v", err)
	}
}

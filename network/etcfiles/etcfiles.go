// Package etcfiles renders a container's /etc/hosts and /etc/resolv.conf the
// way Docker does, so that programs see the same files under berth:
//
//   - hosts: the localhost and IPv6 lines, then --add-host entries, then the
//     container's own addresses with its hostname.
//   - resolv.conf: on the default bridge (and with --network host), the
//     host's file with loopback nameservers removed, since the container
//     cannot reach the host's 127.0.0.53; Google's public resolvers if none
//     remain. On a user network, only the embedded DNS at 127.0.0.11, which
//     answers container names and forwards the rest to the host's resolvers
//     from the host's namespace (so loopback ones work there).
//
// --dns, --dns-search and --dns-option replace the corresponding lines.
package etcfiles

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/berth-containers/berth/internal/atomicfile"
)

// EmbeddedDNS is where the per-container DNS responder listens.
const EmbeddedDNS = "127.0.0.11"

// fallbackDNS is Docker's choice when the host has only loopback resolvers.
var fallbackDNS = []string{"8.8.8.8", "8.8.4.4"}

// Host is one /etc/hosts line.
type Host struct {
	IP    netip.Addr
	Names []string
}

// Hosts renders /etc/hosts for a container named hostname (and domainname,
// if set) reachable at ips, with extra --add-host entries.
func Hosts(hostname, domainname string, ips []netip.Addr, extra []Host) []byte {
	var b strings.Builder
	b.WriteString("127.0.0.1\tlocalhost\n" +
		"::1\tlocalhost ip6-localhost ip6-loopback\n" +
		"fe00::0\tip6-localnet\n" +
		"ff00::0\tip6-mcastprefix\n" +
		"ff02::1\tip6-allnodes\n" +
		"ff02::2\tip6-allrouters\n")
	for _, h := range extra {
		fmt.Fprintf(&b, "%s\t%s\n", h.IP, strings.Join(h.Names, " "))
	}
	names := hostname
	if domainname != "" {
		names = hostname + "." + domainname + " " + hostname
	}
	for _, ip := range ips {
		fmt.Fprintf(&b, "%s\t%s\n", ip, names)
	}
	return []byte(b.String())
}

// ParseAddHost reads one --add-host value, "name:ip" (Docker also accepts
// "name=ip").
func ParseAddHost(s string) (Host, error) {
	name, ip, ok := strings.Cut(s, "=")
	if !ok {
		name, ip, ok = strings.Cut(s, ":")
	}
	if !ok || name == "" {
		return Host{}, fmt.Errorf("add-host %q: want name:ip", s)
	}
	if !oneWord(name) {
		return Host{}, fmt.Errorf("add-host %q: the name must be one word without spaces or control characters", s)
	}
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return Host{}, fmt.Errorf("add-host %q: %q is not an IP address", s, ip)
	}
	return Host{IP: a, Names: []string{name}}, nil
}

// Resolv is the content of a resolv.conf.
type Resolv struct {
	Nameservers []string
	Search      []string
	Options     []string
}

// ParseResolv reads a resolv.conf; unknown lines are dropped.
func ParseResolv(data []byte) Resolv {
	var r Resolv
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], ";") {
			continue
		}
		switch f[0] {
		case "nameserver":
			r.Nameservers = append(r.Nameservers, f[1])
		case "search", "domain":
			r.Search = f[1:]
		case "options":
			r.Options = append(r.Options, f[1:]...)
		}
	}
	return r
}

// HostResolv reads the host's /etc/resolv.conf; a missing file is empty.
func HostResolv(path string) (Resolv, error) {
	if path == "" {
		path = "/etc/resolv.conf"
	}
	data, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return Resolv{}, fmt.Errorf("read host resolv.conf: %w", err)
	}
	return ParseResolv(data), nil
}

// DNSOptions are the container's --dns, --dns-search and --dns-option.
type DNSOptions struct {
	Servers []string
	Search  []string
	Options []string
}

// ContainerResolv is the resolv.conf of a container given the host's.
// embedded selects the user-network form, with the embedded DNS (which
// then forwards to --dns servers or else to the host's).
func ContainerResolv(host Resolv, opts DNSOptions, embedded bool) Resolv {
	r := Resolv{Search: host.Search, Options: host.Options}
	switch {
	case embedded:
		r.Nameservers = []string{EmbeddedDNS}
		r.Options = append([]string{"ndots:0"}, withoutNdots(host.Options)...)
	case len(opts.Servers) > 0:
		r.Nameservers = opts.Servers
	default:
		r.Nameservers = NonLoopback(host.Nameservers)
		if len(r.Nameservers) == 0 {
			r.Nameservers = fallbackDNS
		}
	}
	if len(opts.Search) > 0 {
		r.Search = opts.Search
	}
	if len(opts.Options) > 0 {
		r.Options = opts.Options
	}
	return r
}

func withoutNdots(opts []string) []string {
	var out []string
	for _, o := range opts {
		if !strings.HasPrefix(o, "ndots:") {
			out = append(out, o)
		}
	}
	return out
}

// NonLoopback drops loopback and unparsable nameservers.
func NonLoopback(servers []string) []string {
	var out []string
	for _, s := range servers {
		if a, err := netip.ParseAddr(s); err == nil && !a.IsLoopback() {
			out = append(out, s)
		}
	}
	return out
}

// Bytes renders r.
func (r Resolv) Bytes() []byte {
	var b strings.Builder
	for _, n := range r.Nameservers {
		fmt.Fprintf(&b, "nameserver %s\n", n)
	}
	if len(r.Search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(r.Search, " "))
	}
	if len(r.Options) > 0 {
		fmt.Fprintf(&b, "options %s\n", strings.Join(r.Options, " "))
	}
	return []byte(b.String())
}

// WriteFile writes data to path atomically, so a container bind-mounting it
// never reads half a file.
func WriteFile(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}

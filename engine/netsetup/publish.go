package netsetup

import (
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/portmap"
	"github.com/berth-containers/berth/rootless"
)

// Ports lists a container's published ports from its record, all of them
// or those of one private port ("80" means 80/tcp), sorted as Docker's.
func (s *Setup) Ports(ref, private string) ([]record.PortMapping, error) {
	c, err := s.get(ref)
	if err != nil {
		return nil, err
	}
	want := ""
	if private != "" {
		port, proto, _ := strings.Cut(private, "/")
		if proto == "" {
			proto = "tcp"
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("invalid port %q: use PORT[/PROTO] such as 80/tcp", private)
		}
		want = port + "/" + proto
	}
	var out []record.PortMapping
	for p, bs := range s.publishedPorts(c) {
		if want != "" && p != want {
			continue
		}
		for _, b := range bs {
			out = append(out, record.PortMapping{Private: p, Binding: b})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	if want != "" && len(out) == 0 {
		return nil, fmt.Errorf("no public port '%s' published for %s", want, c.ID[:12])
	}
	return out, nil
}

// Settings is what berth knows of a container's network, inspect's
// NetworkSettings: with --network none or host, no addresses of its own.
type Settings struct {
	IPAddress   string                    `json:"IPAddress"`
	IPPrefixLen int                       `json:"IPPrefixLen"`
	Gateway     string                    `json:"Gateway"`
	MacAddress  string                    `json:"MacAddress"`
	Networks    map[string]map[string]any `json:"Networks"`
	Ports       map[string]any            `json:"Ports"`
}

// Settings is inspect's NetworkSettings: live endpoints of a
// running container, the recorded networks of a stopped one.
func (s *Setup) Settings(c *record.Container) Settings {
	ns := Settings{Networks: map[string]map[string]any{}, Ports: map[string]any{}}
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		ns.Networks[c.HostConfig.NetworkMode] = map[string]any{}
		return ns
	}
	var eps []network.Endpoint
	if c.Running() {
		eps, _ = s.networks().Endpoints(c.ID)
		if rootless.Active() && c.HostConfig.NetworkMode == DefaultMode {
			eps = append([]network.Endpoint{slirpEndpoint(c.ID, c.Name)}, eps...)
		}
	}
	for name := range c.HostConfig.Networks {
		ns.Networks[name] = map[string]any{}
	}
	for _, ep := range eps {
		ns.Networks[ep.NetworkName] = map[string]any{
			"NetworkID": ep.Network, "EndpointID": ep.HostVeth, "Gateway": addrString(ep.Gateway),
			"IPAddress": ep.IP.String(), "IPPrefixLen": ep.Prefix, "MacAddress": ep.MAC,
		}
		if ns.IPAddress == "" {
			ns.IPAddress, ns.Gateway, ns.MacAddress = ep.IP.String(), addrString(ep.Gateway), ep.MAC
			ns.IPPrefixLen = ep.Prefix
		}
	}
	if c.Running() {
		for key, bs := range bindings(s.livePorts(c, eps)) {
			ns.Ports[key] = bs
		}
	}
	for p := range c.Config.ExposedPorts {
		if _, ok := ns.Ports[p]; !ok {
			ns.Ports[p] = nil
		}
	}
	return ns
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// publishedPorts are a running container's ports as published (host ports
// picked), "80/tcp" -> bindings; none for a stopped one, as Docker's.
func (s *Setup) publishedPorts(c *record.Container) map[string][]record.PortBinding {
	if !c.Running() || !ownsNetNS(c.HostConfig.NetworkMode) {
		return map[string][]record.PortBinding{}
	}
	var eps []network.Endpoint
	if !rootless.Active() {
		eps, _ = s.networks().Endpoints(c.ID)
	}
	return bindings(s.livePorts(c, eps))
}

// livePorts are the ports a running container publishes, host ports
// picked: its endpoints' as root, what rootless.StartNetwork bound rootless.
func (s *Setup) livePorts(c *record.Container, eps []network.Endpoint) []portmap.Mapping {
	var out []portmap.Mapping
	if !rootless.Active() {
		for _, ep := range eps {
			out = append(out, ep.Ports...)
		}
		return out
	}
	ports, err := rootless.PublishedPorts(s.RunRoot, c.ID)
	if err != nil {
		slog.Warn("list published ports", "container", c.Name, "error", err)
	}
	for _, p := range ports {
		out = append(out, portmap.Mapping{HostIP: p.HostIP, HostPort: p.HostPort, HostPortEnd: p.HostPortEnd,
			ContainerPort: p.ContainerPort, Protocol: p.Proto})
	}
	return out
}

// bindings groups mappings by private port ("80/tcp") as Docker's
// NetworkSettings.Ports.
func bindings(ms []portmap.Mapping) map[string][]record.PortBinding {
	out := map[string][]record.PortBinding{}
	for _, m := range ms {
		key := fmt.Sprintf("%d/%s", m.ContainerPort, m.Protocol)
		ip := "0.0.0.0"
		if m.HostIP.IsValid() {
			ip = m.HostIP.String()
		}
		out[key] = append(out[key], record.PortBinding{HostIP: ip, HostPort: fmt.Sprint(m.HostPort)})
	}
	return out
}

// PortsColumn is ps's PORTS: "127.0.0.1:8080->80/tcp, 53/udp".
func (s *Setup) PortsColumn(c *record.Container) string {
	var parts []string
	for key, bs := range s.publishedPorts(c) {
		for _, b := range bs {
			parts = append(parts, b.HostIP+":"+b.HostPort+"->"+key)
		}
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// NetworksColumn is ps's NETWORKS: the mode, or the networks joined.
func NetworksColumn(c *record.Container) string {
	if !ownsNetNS(c.HostConfig.NetworkMode) {
		return c.HostConfig.NetworkMode
	}
	return strings.Join(joinedNetworks(c), ",")
}

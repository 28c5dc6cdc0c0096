package record

import "net"

// NetworkConfig is the part of HostConfig about networks.
type NetworkConfig struct {
	ExtraHosts      []string `json:"extraHosts,omitempty"`
	DNS             []string `json:"dns,omitempty"`
	DNSSearch       []string `json:"dnsSearch,omitempty"`
	DNSOptions      []string `json:"dnsOptions,omitempty"`
	PublishAllPorts bool     `json:"publishAllPorts,omitempty"`
	// Networks are the networks joined at each start, by name: the mode's
	// own (bridge or a user network), then those of `network connect`.
	Networks map[string]EndpointSettings `json:"networks,omitempty"`
}

// EndpointSettings are the per-network flags of a container.
type EndpointSettings struct {
	IP      string   `json:"ip,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
}

// PortBinding is one host address a container port is published on.
type PortBinding struct {
	HostIP   string `json:"HostIp"` // Docker's case; a record's older hostIp decodes too
	HostPort string `json:"HostPort"`
}

// PortMapping is one line of `port`: "80/tcp -> 0.0.0.0:8080".
type PortMapping struct {
	Private string // 80/tcp
	Binding PortBinding
}

func (m PortMapping) String() string {
	ip := m.Binding.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	return m.Private + " -> " + net.JoinHostPort(ip, m.Binding.HostPort)
}

package network

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	"github.com/berth-containers/berth/network/portmap"
)

// The table is written through nft(8), one atomic transaction per call:
// a whole ruleset reads as what it is, and one exec costs less than the
// network's other steps. Nothing outside the table is touched; its base
// chains hook the same points as the host's own tables and accept by
// default, so a host ruleset that drops still wins.
//
// Sets and maps, rather than rules per object, keep updates handle-free:
//
//	bridges        ifname set of every berth bridge (loopback masquerade)
//	internal       ifname set of bridges of --internal networks (no forwarding)
//	same           bridge . bridge pairs: traffic within one bridge, which
//	               passes the forward hook when br_netfilter is loaded
//	egress         subnets of non-internal networks (masquerade to the outside)
//	ports_any      proto . port            -> container ip . port
//	ports_ip       host ip . proto . port  -> container ip . port
//
// What may reach a container (Docker's defaults): its own bridge, replies
// to its connections, and DNAT'd traffic to its published ports. The
// forward chain drops everything else bound for a berth bridge: the LAN
// on unpublished ports (the host forwards once ip_forward is on) and other
// user networks (Docker's DOCKER-ISOLATION; `network connect` joins two).
// Roots are isolated from each other the same way, each table dropping
// what is bound for its own bridges.
//
// Bridges have route_localnet=1 so that replies to connections made to
// 127.0.0.1:<published port> come back (see ensureBridge). The guard
// chain, at raw priority so before NAT, drops what else that would let
// in: packets for 127.0.0.0/8 arriving on any device but lo, which are a
// container reaching the host's loopback services through its gateway, or
// a LAN neighbour reaching a port published only on 127.0.0.1
// (CVE-2020-8558; Docker and kube-proxy drop them too). Without
// route_localnet the kernel drops them as martians anyway.
//
// The declarations are re-sent with each new bridge (an existing set keeps
// its elements), then every chain is flushed and refilled in the same
// transaction: no moment without rules, and no duplicates.
const tableTemplate = `table ip %[1]s {
	set bridges { type ifname; }
	set internal { type ifname; }
	set same { type ifname . ifname; }
	set egress { type ipv4_addr; flags interval; }
	map ports_any { type inet_proto . inet_service : ipv4_addr . inet_service; }
	map ports_ip { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }
	chain hostports { }
	chain guard { type filter hook prerouting priority raw; policy accept; }
	chain prerouting { type nat hook prerouting priority dstnat; policy accept; }
	chain output { type nat hook output priority -100; policy accept; }
	chain postrouting { type nat hook postrouting priority srcnat; policy accept; }
	chain forward { type filter hook forward priority filter; policy accept; }
}
flush chain ip %[1]s hostports
flush chain ip %[1]s guard
flush chain ip %[1]s prerouting
flush chain ip %[1]s output
flush chain ip %[1]s postrouting
flush chain ip %[1]s forward
table ip %[1]s {
	chain hostports {
		dnat ip to ip daddr . meta l4proto . th dport map @ports_ip
		dnat ip to meta l4proto . th dport map @ports_any
	}
	chain guard {
		iifname != "lo" ip daddr 127.0.0.0/8 drop
	}
	chain prerouting {
		fib daddr type local jump hostports
	}
	chain output {
		fib daddr type local jump hostports
	}
	chain postrouting {
		ip saddr 127.0.0.0/8 oifname @bridges masquerade
		ip saddr @egress oifname != @bridges masquerade
	}
	chain forward {
		iifname . oifname @same accept
		iifname @internal drop
		oifname @internal drop
		oifname @bridges ct state established,related accept
		oifname @bridges ct status dnat accept
		oifname @bridges drop
	}
}
`

type firewall struct{ table string }

// nft is nft(8)'s path: found in PATH, or where Debian installs it, which
// an ordinary user's PATH (rootless berth's) lacks.
func nft() string {
	if p, err := exec.LookPath("nft"); err == nil {
		return p
	}
	for _, p := range []string{"/usr/sbin/nft", "/sbin/nft"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "nft" // exec's own error names it
}

func (f firewall) run(script string) error {
	cmd := exec.Command(nft(), "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("nft table %s: %w: %s", f.table, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// exists reports whether the table is there.
func (f firewall) exists() bool {
	return exec.Command(nft(), "list", "table", "ip", f.table).Run() == nil
}

// addNetwork creates the table if needed (nft's "table {...}" adds to an
// existing one without flushing it) and registers a bridge.
func (f firewall) addNetwork(n Network) error {
	var b strings.Builder
	fmt.Fprintf(&b, tableTemplate, f.table)
	fmt.Fprintf(&b, "add element ip %[1]s bridges { %[2]q }\nadd element ip %[1]s same { %[2]q . %[2]q }\n", f.table, n.Bridge)
	if n.Internal {
		fmt.Fprintf(&b, "add element ip %s internal { %q }\n", f.table, n.Bridge)
	} else {
		fmt.Fprintf(&b, "add element ip %s egress { %s }\n", f.table, n.Subnet)
	}
	return f.run(b.String())
}

// removeNetwork unregisters a bridge, or drops the whole table when last.
func (f firewall) removeNetwork(n Network, last bool) error {
	if !f.exists() {
		return nil
	}
	if last {
		return f.run(fmt.Sprintf("delete table ip %s\n", f.table))
	}
	// "add" before "delete" makes the delete idempotent in one transaction.
	var b strings.Builder
	fmt.Fprintf(&b, "add element ip %[1]s bridges { %[2]q }\ndelete element ip %[1]s bridges { %[2]q }\n", f.table, n.Bridge)
	fmt.Fprintf(&b, "add element ip %[1]s same { %[2]q . %[2]q }\ndelete element ip %[1]s same { %[2]q . %[2]q }\n", f.table, n.Bridge)
	if n.Internal {
		fmt.Fprintf(&b, "add element ip %[1]s internal { %[2]q }\ndelete element ip %[1]s internal { %[2]q }\n", f.table, n.Bridge)
	} else {
		fmt.Fprintf(&b, "add element ip %[1]s egress { %[2]s }\ndelete element ip %[1]s egress { %[2]s }\n", f.table, n.Subnet)
	}
	return f.run(b.String())
}

func portKey(m portmap.Mapping) (mapName, key string) {
	if m.HostIP.IsValid() {
		return "ports_ip", fmt.Sprintf("%s . %s . %d", m.HostIP, m.Protocol, m.HostPort)
	}
	return "ports_any", fmt.Sprintf("%s . %d", m.Protocol, m.HostPort)
}

// addPorts publishes ms to ip in one transaction.
func (f firewall) addPorts(ip netip.Addr, ms []portmap.Mapping) error {
	if len(ms) == 0 {
		return nil
	}
	var b strings.Builder
	for _, m := range ms {
		name, key := portKey(m)
		fmt.Fprintf(&b, "add element ip %s %s { %s : %s . %d }\n", f.table, name, key, ip, m.ContainerPort)
	}
	return f.run(b.String())
}

// removePorts unpublishes ms; elements already gone are not an error.
func (f firewall) removePorts(ip netip.Addr, ms []portmap.Mapping) error {
	if len(ms) == 0 {
		return nil
	}
	var b strings.Builder
	for _, m := range ms {
		name, key := portKey(m)
		// Re-adding the same element is a no-op, and makes the delete
		// safe when a crash already removed it.
		fmt.Fprintf(&b, "add element ip %[1]s %[2]s { %[3]s : %[4]s . %[5]d }\ndelete element ip %[1]s %[2]s { %[3]s }\n",
			f.table, name, key, ip, m.ContainerPort)
	}
	// A missing table (repair after a reboot) is checked only on failure,
	// so a detach costs one exec.
	if err := f.run(b.String()); err != nil && f.exists() {
		return err
	}
	return nil
}

// portElement is one published port found in the table, for repair.
type portElement struct {
	Map string
	Key string
	IP  netip.Addr // the container address it points to
}

// listPorts reads both port maps.
func (f firewall) listPorts() ([]portElement, error) {
	if !f.exists() {
		return nil, nil
	}
	var out []portElement
	for _, name := range []string{"ports_any", "ports_ip"} {
		raw, err := exec.Command(nft(), "-j", "list", "map", "ip", f.table, name).Output()
		if err != nil {
			return nil, fmt.Errorf("nft list map %s %s: %w", f.table, name, err)
		}
		elems, err := parseMapElements(raw)
		if err != nil {
			return nil, fmt.Errorf("nft list map %s %s: %w", f.table, name, err)
		}
		for _, e := range elems {
			e.Map = name
			out = append(out, e)
		}
	}
	return out, nil
}

// parseMapElements reads `nft -j list map` output, whose elements are
// [{"concat": [key parts]}, {"concat": [addr, port]}].
func parseMapElements(raw []byte) ([]portElement, error) {
	var doc struct {
		Nftables []struct {
			Map *struct {
				Elem [][2]struct {
					Concat []any `json:"concat"`
				} `json:"elem"`
			} `json:"map"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var out []portElement
	for _, item := range doc.Nftables {
		if item.Map == nil {
			continue
		}
		for _, el := range item.Map.Elem {
			var parts []string
			for _, p := range el[0].Concat {
				parts = append(parts, fmt.Sprint(p))
			}
			if len(el[1].Concat) != 2 {
				return nil, fmt.Errorf("unexpected map element %v", el)
			}
			ip, err := netip.ParseAddr(fmt.Sprint(el[1].Concat[0]))
			if err != nil {
				return nil, fmt.Errorf("map element target: %w", err)
			}
			out = append(out, portElement{Key: strings.Join(parts, " . "), IP: ip})
		}
	}
	return out, nil
}

// removeElements deletes port elements found by listPorts.
func (f firewall) removeElements(es []portElement) error {
	if len(es) == 0 {
		return nil
	}
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "delete element ip %s %s { %s }\n", f.table, e.Map, e.Key)
	}
	return f.run(b.String())
}

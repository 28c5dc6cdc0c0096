package network

import (
	"bufio"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/berth-containers/berth/network/dns"
	"github.com/berth-containers/berth/network/etcfiles"
)

// Each user network has a names file, <RunRoot>/networks/<id>/names, one
// line per endpoint: "<ip> <container id> <name> <alias>...". Attach and
// Detach rewrite it atomically; responders read it when it changes. A
// file, not the database, because a responder answers every lookup and
// must not queue behind metadata.db's lock. The default network has none:
// as in Docker, containers there do not resolve each other's names.

func (s *Store) namesDir(netID string) string { return filepath.Dir(s.namesFile(netID)) }

// names renders the names file of n from its endpoint records.
func (t tx) names(n Network) ([]byte, error) {
	eps, err := t.endpoints(n.ID)
	if err != nil || n.Name == DefaultName {
		return nil, err
	}
	var b strings.Builder
	for _, e := range eps {
		names := []string{e.ContainerID}
		if len(e.ContainerID) > 12 {
			names = append(names, e.ContainerID[:12])
		}
		if e.Name != "" {
			names = append(names, e.Name)
		}
		names = append(names, e.Aliases...)
		fmt.Fprintf(&b, "%s %s\n", e.IP, strings.Join(names, " "))
	}
	return []byte(b.String()), nil
}

// writeNames replaces the names file of a user network.
func (s *Store) writeNames(n Network, names []byte) error {
	if n.Name == DefaultName {
		return nil
	}
	// Names and addresses of containers are no business of other local
	// users: only root (the responder) reads them.
	if err := os.MkdirAll(s.namesDir(n.ID), 0o700); err != nil {
		return fmt.Errorf("names of network %s: %w", n.Name, err)
	}
	return etcfiles.WriteFile(s.namesFile(n.ID), names)
}

// namesCache holds parsed names files, reloaded when their mtime changes.
type namesCache struct {
	mu    sync.Mutex
	files map[string]namesEntry
}

type namesEntry struct {
	mtime   time.Time
	size    int64
	members map[string]bool         // container IDs on the network
	addrs   map[string][]netip.Addr // lower-case name -> addresses
}

func (c *namesCache) load(path string) (namesEntry, error) {
	st, err := os.Stat(path)
	if err != nil {
		return namesEntry{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.files[path]; ok && e.mtime.Equal(st.ModTime()) && e.size == st.Size() {
		return e, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return namesEntry{}, err
	}
	defer f.Close()
	e := namesEntry{mtime: st.ModTime(), size: st.Size(), members: map[string]bool{}, addrs: map[string][]netip.Addr{}}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		ip, err := netip.ParseAddr(fields[0])
		if err != nil {
			continue
		}
		e.members[fields[1]] = true
		for _, name := range fields[1:] {
			k := strings.ToLower(name)
			e.addrs[k] = append(e.addrs[k], ip)
		}
	}
	if c.files == nil {
		c.files = map[string]namesEntry{}
	}
	c.files[path] = e
	return e, sc.Err()
}

// Resolver returns the Lookup of a container: names on every user network
// it is attached to, now or later (files are found at each query, so
// `network connect` needs no restart of the responder).
func (s *Store) Resolver(containerID string) dns.Lookup {
	cache := &namesCache{}
	return func(name string) []netip.Addr {
		files, _ := filepath.Glob(filepath.Join(s.opts.RunRoot, "networks", "*", "names"))
		var out []netip.Addr
		for _, f := range files {
			e, err := cache.load(f)
			if err != nil || !e.members[containerID] {
				continue
			}
			out = append(out, e.addrs[name]...)
		}
		return out
	}
}

// ServeDNS starts the embedded DNS of a container on 127.0.0.11:53 inside
// its namespace. The per-container monitor calls it after Attach and
// closes the server when the container stops. Unknown names go to the
// host's resolvers, unless the container is only on internal networks.
func (s *Store) ServeDNS(containerID, netnsPath string) (*dns.Server, error) {
	eps, err := s.Endpoints(containerID)
	if err != nil {
		return nil, err
	}
	var upstreams []string
	external := false
	for _, ep := range eps {
		external = external || ep.Gateway.IsValid()
	}
	if external {
		host, err := etcfiles.HostResolv(s.opts.ResolvConf)
		if err != nil {
			return nil, err
		}
		for _, ns := range host.Nameservers {
			upstreams = append(upstreams, net.JoinHostPort(ns, "53"))
		}
	}
	return dns.Start(netnsPath, net.JoinHostPort(etcfiles.EmbeddedDNS, "53"), s.Resolver(containerID), upstreams)
}

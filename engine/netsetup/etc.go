package netsetup

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/etcfiles"
)

// A container's /etc/hostname, /etc/hosts and /etc/resolv.conf are files
// of its directory, written at each start and bind-mounted read-write (as
// Docker's). With --network container:ID it shares the other's hosts and
// resolv.conf.

var etcNames = []string{"hostname", "hosts", "resolv.conf"}

// writeEtcFiles writes the three files for a container reachable at ips.
func (s *Setup) writeEtcFiles(c *record.Container, ips []netip.Addr) error {
	hc := c.HostConfig
	dir := s.ContainerDir(c.ID)
	if err := options.CheckEtcRecord(c); err != nil {
		return err
	}
	var extra []etcfiles.Host
	for _, h := range hc.ExtraHosts {
		eh, err := etcfiles.ParseAddHost(h)
		if err != nil {
			return err
		}
		extra = append(extra, eh)
	}
	files := map[string][]byte{"hostname": []byte(c.Config.Hostname + "\n")}
	mode := hc.NetworkMode
	dnsOpts := etcfiles.DNSOptions{Servers: hc.DNS, Search: hc.DNSSearch, Options: hc.DNSOptions}
	host, err := etcfiles.HostResolv(s.networks().Options().ResolvConf)
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(mode, "container:"):
	case mode == "host":
		hosts, _ := os.ReadFile("/etc/hosts")
		for _, h := range extra {
			hosts = append(hosts, []byte(h.IP.String()+"\t"+strings.Join(h.Names, " ")+"\n")...)
		}
		files["hosts"] = hosts
		r := host
		if len(dnsOpts.Servers) > 0 {
			r.Nameservers = dnsOpts.Servers
		}
		if len(dnsOpts.Search) > 0 {
			r.Search = dnsOpts.Search
		}
		if len(dnsOpts.Options) > 0 {
			r.Options = dnsOpts.Options
		}
		files["resolv.conf"] = r.Bytes()
	default:
		if len(ips) == 0 {
			ips = []netip.Addr{netip.AddrFrom4([4]byte{127, 0, 1, 1})}
		}
		files["hosts"] = etcfiles.Hosts(c.Config.Hostname, "", ips, extra)
		embedded := false
		for name := range hc.Networks {
			embedded = embedded || name != network.DefaultName
		}
		files["resolv.conf"] = etcfiles.ContainerResolv(host, dnsOpts, embedded).Bytes()
	}
	// Unsynced: the files are written again at every start.
	for name, data := range files {
		if err := atomicfile.WriteFileUnsynced(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// AddEtcMounts binds the container's /etc files.
func (s *Setup) AddEtcMounts(spec *specs.Spec, c *record.Container) error {
	for _, name := range etcNames {
		src := filepath.Join(s.ContainerDir(c.ID), name)
		if other, ok := strings.CutPrefix(c.HostConfig.NetworkMode, "container:"); ok && name != "hostname" {
			src = filepath.Join(s.ContainerDir(other), name)
		}
		if _, err := os.Stat(src); err != nil {
			continue
		}
		opts := []string{"rbind", "rprivate"}
		if c.HostConfig.ReadonlyRootfs {
			opts = append(opts, "ro") // dockerd's: --read-only covers them too
		}
		spec.Mounts = append(spec.Mounts, specs.Mount{Destination: "/etc/" + name, Type: "bind", Source: src, Options: opts})
	}
	return nil
}

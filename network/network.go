// Package network gives berth's containers Docker's bridge networks:
// user-defined and default networks, container attachment, published ports,
// container names in DNS, and repair after a crash.
//
// # Native netlink and nftables, not CNI
//
// The issue allowed CNI (libcni and Debian's plugins) or a native driver
// where clearly better. berth is native, for three reasons:
//
//   - Safety on a shared host. CNI's bridge (ipMasq), portmap and firewall
//     plugins program iptables and insert jumps into the host's built-in
//     chains (nat PREROUTING/OUTPUT/POSTROUTING, filter FORWARD). berth
//     keeps every rule in one nftables table of its own (default "ip
//     berth") with its own base chains, so it never edits a chain it did
//     not make, and deleting the table removes everything, which happens
//     with the last network.
//   - Set-up time. A CNI ADD execs bridge, host-local, portmap, firewall and
//     loopback, and portmap/firewall exec iptables several times each: tens
//     to hundreds of ms. The budget is 20 ms for all of networking.
//     Here an attach is a few netlink messages and, with published ports,
//     one nft transaction.
//   - One source of truth. IP leases live as endpoint records in berth's
//     bbolt metadata.db, in the same transaction as the port reservation,
//     so a crash leaves either nothing or a record that Repair undoes;
//     host-local's lease files would be a second store to reconcile.
//
// # Objects on the host
//
// A network is a Linux bridge ("berth0" for the default network, "bt-" and
// ten hex digits of the network ID otherwise) holding the gateway address
// (internal networks get no host address at all, so the host cannot reach
// them, and no default route in containers). A container's endpoint is a
// veth pair: "vb" and twelve hex digits of hash(network, container) on the
// bridge, ethN in the container's namespace. Published ports are elements
// of two nftables DNAT maps (keyed by protocol.port or address.protocol.port),
// so adding and removing a container's ports needs no rule handles.
//
// # DNS
//
// There is no berth daemon, so no process per network: the responder runs
// in whatever process lives as long as the container, the per-container
// monitor, via ServeDNS. It listens on 127.0.0.11:53 inside the container's
// namespace (as Docker's does) and answers names of the container's user
// networks from a names file per network that Attach and Detach rewrite;
// other names are forwarded, from the host's namespace, to the host's
// resolvers.
package network

import (
	"errors"
	"net/netip"
	"path/filepath"
	"time"

	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/network/portmap"
)

// DefaultName is the network a container joins when none is named.
const DefaultName = "bridge"

// NotFoundError names the reference that matched no network, so the CLI
// can word it as Docker does; errors.Is(err, ErrNotFound) holds for it.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string        { return "network " + e.Ref + ": " + ErrNotFound.Error() }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Errors callers test with errors.Is.
var (
	ErrNotFound = errors.New("network not found")
	ErrExists   = errors.New("network already exists")
	ErrInUse    = errors.New("network has active endpoints")
	ErrAttached = errors.New("container is already attached to the network")
	ErrNoSubnet = errors.New("no free subnet left in berth's pools")
)

// Network is one bridge network.
type Network struct {
	Name     string            `json:"name"`
	ID       string            `json:"id"`
	Driver   string            `json:"driver"`
	Subnet   netip.Prefix      `json:"subnet"`
	Gateway  netip.Addr        `json:"gateway"`
	Internal bool              `json:"internal,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Bridge   string            `json:"bridge"`
	Created  time.Time         `json:"created"`
	// LastIP is where the next allocation starts looking, so a freed
	// address is not handed out again at once (as host-local does).
	LastIP netip.Addr `json:"lastIP,omitzero"`
}

// Endpoint is a container's attachment to a network; its record is the
// container's IP lease.
type Endpoint struct {
	Network     string            `json:"network"` // network ID
	NetworkName string            `json:"networkName"`
	ContainerID string            `json:"containerID"`
	Name        string            `json:"name,omitempty"` // container name, resolvable in DNS
	Aliases     []string          `json:"aliases,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	IP          netip.Addr        `json:"ip"`
	Prefix      int               `json:"prefix"`
	Gateway     netip.Addr        `json:"gateway,omitzero"`
	MAC         string            `json:"mac,omitempty"`
	HostVeth    string            `json:"hostVeth"`
	IfName      string            `json:"ifName,omitempty"`
	NetNS       string            `json:"netns"`
	Ports       []portmap.Mapping `json:"ports,omitempty"`
	// PortsHolder is the process holding the published ports' host
	// sockets (pid and start time) when it is not the root's responder:
	// a foreground `run` holds its own.
	PortsHolder      int       `json:"portsHolder,omitempty"`
	PortsHolderStart uint64    `json:"portsHolderStart,omitempty"`
	Created          time.Time `json:"created"`
}

// Options place a Store's state and name its host objects. Tests use their
// own Table and DefaultBridge so they never touch an engine's.
type Options struct {
	Root          string // engine root: <Root>/metadata.db
	RunRoot       string // run state: <RunRoot>/netns, <RunRoot>/networks
	Table         string // nftables table (family ip); default "berth"
	DefaultBridge string // bridge of the default network; default "berth0"
	// SkipIPForward leaves net.ipv4.ip_forward alone; otherwise creating a
	// non-internal network turns it on, as Docker does, so containers
	// reach beyond the host.
	SkipIPForward bool
	// Pools are the candidate subnets, tried in order; default 10.88.0.0/16
	// up to 10.254.0.0/16, minus what the host's routes, addresses and
	// resolvers use.
	Pools []netip.Prefix
	// ResolvConf is the host's resolver file; default /etc/resolv.conf.
	ResolvConf string
	// HostLock is the host-wide allocation lock; default DefaultHostLock.
	// Every root on a host must use the same one.
	HostLock string
	// Reserved are subnets no network may take: what the store's own
	// namespace routes before its first bridge (slirp4netns's network).
	Reserved []Reserved
	// Namespace, when set, holds the store's bridges, the host ends of
	// its veths and its nft table instead of the caller's network
	// namespace: rootless berth's one per user, since a user may not make
	// bridges in the host's. nil is the caller's (root's engine).
	Namespace Namespace
}

// Reserved is a subnet no network of a store may take, and what uses it,
// for the error that refuses it.
type Reserved struct {
	Prefix netip.Prefix
	Why    string
}

// Namespace is a network namespace of a store's own (Options.Namespace).
type Namespace interface {
	// Path returns where the namespace is pinned, making it first when
	// ensure is set; "" when it is missing and ensure is not set (then
	// nothing of the store's is in the kernel, and there is nothing to
	// undo there).
	Path(ensure bool) (string, error)
	// Release ends the namespace unless inUse, asked under the same lock
	// as Path's, says that the store still has a network.
	Release(inUse func() (bool, error)) error
}

// Store manages the networks of one engine root.
type Store struct {
	opts   Options
	dbPath string
}

// New returns the Store of opts.
func New(opts Options) *Store {
	if opts.Table == "" {
		opts.Table = "berth"
	}
	if opts.DefaultBridge == "" {
		opts.DefaultBridge = "berth0"
	}
	if len(opts.Pools) == 0 {
		for i := 88; i <= 254; i++ {
			opts.Pools = append(opts.Pools, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16))
		}
	}
	if opts.ResolvConf == "" {
		opts.ResolvConf = "/etc/resolv.conf"
	}
	if opts.HostLock == "" {
		opts.HostLock = DefaultHostLock
	}
	return &Store{opts: opts, dbPath: filepath.Join(opts.Root, "metadata.db")}
}

// NetNSDir is where the engine pins container network namespaces (see
// package netns); Repair removes those of containers that are gone.
func (s *Store) NetNSDir() string { return filepath.Join(s.opts.RunRoot, "netns") }

// Options returns the store's options, defaults filled in.
func (s *Store) Options() Options { return s.opts }

// inNS runs fn, which touches the kernel (links, routes, nft, sysctls),
// where the store's host objects live: in the caller's namespace, or on a
// thread inside Options.Namespace's. Without ensure, a namespace that is
// not there has nothing of the store's, and fn is skipped. fn must not
// hand work to other goroutines: only its own thread is in the namespace
// (an exec from it is, as a child starts in its parent thread's).
func (s *Store) inNS(ensure bool, fn func() error) error {
	if s.opts.Namespace == nil {
		return fn()
	}
	path, err := s.opts.Namespace.Path(ensure)
	if err != nil || path == "" {
		return err
	}
	return netns.Do(path, fn)
}

// releaseNamespace lets the store's namespace go once no network is left.
func (s *Store) releaseNamespace() error {
	if s.opts.Namespace == nil {
		return nil
	}
	return s.opts.Namespace.Release(func() (bool, error) {
		all, err := s.List()
		return len(all) > 0, err
	})
}

func (s *Store) namesFile(netID string) string {
	return filepath.Join(s.opts.RunRoot, "networks", netID, "names")
}

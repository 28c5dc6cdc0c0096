// Package network is `berth network`: create, ls, inspect, rm, prune,
// connect and disconnect.
package network

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/cmd/berth/internal/cli"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/network"
)

// AddCommands adds `berth network` to root.
func AddCommands(root *cobra.Command, g *cli.Context) {
	group := &cobra.Command{Use: "network", Short: "Manage networks"}
	group.AddCommand(newNetworkCreateCommand(g), newNetworkListCommand(g), newNetworkInspectCommand(g),
		newNetworkRemoveCommand(g), newNetworkPruneCommand(g), newNetworkConnectCommand(g),
		newNetworkDisconnectCommand(g))
	root.AddCommand(group)
}

// RegisterNetworkFlags adds run and create's network flags.
func RegisterNetworkFlags(fs *pflag.FlagSet, o *options.CreateOptions) {
	n := &o.NetworkOptions
	fs.StringVar(&o.Network, "network", "", "connect a container to a network (bridge, NAME, none, host, container:ID)")
	fs.StringVar(&o.Network, "net", "", "connect a container to a network")
	_ = fs.MarkHidden("net")
	fs.StringVar(&n.IP, "ip", "", "IPv4 address (e.g., 172.30.100.104)")
	fs.StringVar(&n.IP6, "ip6", "", "IPv6 address (not supported: berth's networks are IPv4 only)")
	fs.StringArrayVar(&n.Aliases, "network-alias", nil, "add network-scoped alias for the container")
	fs.StringArrayVar(&n.AddHosts, "add-host", nil, "add a custom host-to-IP mapping (host:ip)")
	fs.StringArrayVar(&n.DNS, "dns", nil, "set custom DNS servers")
	fs.StringArrayVar(&n.DNSSearch, "dns-search", nil, "set custom DNS search domains")
	fs.StringArrayVar(&n.DNSOptions, "dns-option", nil, "set DNS options")
	fs.StringArrayVarP(&n.Publish, "publish", "p", nil, "publish a container's port(s) to the host")
	fs.BoolVarP(&n.PublishAll, "publish-all", "P", false, "publish all exposed ports to random ports")
}

func newNetworkCreateCommand(g *cli.Context) *cobra.Command {
	var o network.CreateOptions
	var labels, opts []string
	var attachable, ipv6 bool
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] NETWORK",
		Short: "Create a network",
		Long: `Create a bridge network and print its ID. Without --subnet, a /16 is picked
that no route, address or resolver of the host uses.`,
		Example: `  berth network create app
  berth network create --subnet 10.99.0.0/24 --internal backend`,
		Args: cli.Args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			if ipv6 {
				return cli.UsageError{Err: errors.New("--ipv6 is not supported: berth's networks are IPv4 only")}
			}
			if len(opts) > 0 {
				return cli.UsageError{Err: fmt.Errorf("driver options %v are not supported by berth's bridge driver", opts)}
			}
			o.Name = a[0]
			o.Labels = map[string]string{}
			for _, kv := range labels {
				k, v, _ := strings.Cut(kv, "=")
				o.Labels[k] = v
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			n, err := e.Network().Store().Create(o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), n.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Driver, "driver", "d", "bridge", "driver to manage the network")
	f.StringVar(&o.Subnet, "subnet", "", "subnet in CIDR format that represents a network segment")
	f.StringVar(&o.Gateway, "gateway", "", "IPv4 gateway for the master subnet")
	f.BoolVar(&o.Internal, "internal", false, "restrict external access to the network")
	f.StringArrayVar(&labels, "label", nil, "set metadata on a network")
	f.StringArrayVarP(&opts, "opt", "o", nil, "set driver specific options")
	f.BoolVar(&attachable, "attachable", false, "enable manual container attachment (always on)")
	f.BoolVar(&ipv6, "ipv6", false, "enable IPv6 networking (not supported)")
	return cmd
}

// networkRow is one line of network ls, with Docker's --format names.
type networkRow struct{ ID, Name, Driver, Scope, IPv6, Internal, Labels, CreatedAt string }

func newNetworkListCommand(g *cli.Context) *cobra.Command {
	var quiet, noTrunc bool
	var format string
	var filters []string
	cmd := &cobra.Command{
		Use:     "ls [OPTIONS]",
		Aliases: []string{"list"},
		Short:   "List networks",
		Long:    `List networks; --filter name=, id=, driver=, label=KEY[=VALUE], type=custom|builtin.`,
		Example: `  berth network ls --filter name=app -q`,
		Args:    cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			list, err := e.Network().Store().List()
			if err != nil {
				return err
			}
			// Sorted by name across records and predefined, as docker's.
			list = append(list, e.Network().Predefined()...)
			sort.SliceStable(list, func(i, j int) bool { return list[i].Name < list[j].Name })
			match, err := network.ListFilter(filters)
			if err != nil {
				return cli.UsageError{Err: err}
			}
			out := cmd.OutOrStdout()
			var rows []any
			for _, n := range list {
				if !match(n) {
					continue
				}
				id := n.ID
				if !noTrunc && len(id) > 12 {
					id = id[:12]
				}
				if quiet {
					fmt.Fprintln(out, id)
					continue
				}
				var ls []string
				for k, v := range n.Labels {
					ls = append(ls, k+"="+v)
				}
				sort.Strings(ls)
				rows = append(rows, networkRow{ID: id, Name: n.Name, Driver: n.Driver, Scope: "local", IPv6: "false",
					Internal: fmt.Sprint(n.Internal), Labels: strings.Join(ls, ","), CreatedAt: n.Created.Format(time.RFC3339)})
			}
			if quiet {
				return nil
			}
			if cli.IsDefaultFormat(format) {
				format = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}"
			}
			headers := networkRow{ID: "NETWORK ID", Name: "NAME", Driver: "DRIVER", Scope: "SCOPE", IPv6: "IPV6",
				Internal: "INTERNAL", Labels: "LABELS", CreatedAt: "CREATED AT"}
			return cli.RenderTemplate(out, format, headers, rows)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "only display network IDs")
	cmd.Flags().BoolVar(&noTrunc, "no-trunc", false, "do not truncate the output")
	cmd.Flags().StringVar(&format, "format", "", "format output using a Go template")
	cmd.Flags().StringArrayVarP(&filters, "filter", "f", nil, "provide filter values (e.g. 'driver=bridge')")
	return cmd
}

// networkInspect is Docker's `network inspect` JSON.
type networkInspect struct {
	Name       string                      `json:"Name"`
	ID         string                      `json:"Id"`
	Created    string                      `json:"Created"`
	Scope      string                      `json:"Scope"`
	Driver     string                      `json:"Driver"`
	EnableIPv6 bool                        `json:"EnableIPv6"`
	IPAM       networkIPAM                 `json:"IPAM"`
	Internal   bool                        `json:"Internal"`
	Attachable bool                        `json:"Attachable"`
	Ingress    bool                        `json:"Ingress"`
	ConfigOnly bool                        `json:"ConfigOnly"`
	Containers map[string]networkContainer `json:"Containers"`
	Options    map[string]string           `json:"Options"`
	Labels     map[string]string           `json:"Labels"`
}

type networkIPAM struct {
	Driver  string              `json:"Driver"`
	Options map[string]string   `json:"Options"`
	Config  []map[string]string `json:"Config"`
}

type networkContainer struct {
	Name        string `json:"Name"`
	EndpointID  string `json:"EndpointID"`
	MacAddress  string `json:"MacAddress"`
	IPv4Address string `json:"IPv4Address"`
	IPv6Address string `json:"IPv6Address"`
}

func newNetworkInspectCommand(g *cli.Context) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "inspect [OPTIONS] NETWORK [NETWORK...]",
		Short:   "Display detailed information on one or more networks",
		Long:    `Print networks as Docker's JSON, with the containers attached now, or through a --format template.`,
		Example: `  berth network inspect -f '{{range .IPAM.Config}}{{.Subnet}}{{end}}' app`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return cli.InspectEach(cmd.OutOrStdout(), format, a, func(ref string) (any, error) {
				return NetworkInspectOf(e, ref)
			})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "", "format output using a Go template")
	return cmd
}

func newNetworkRemoveCommand(g *cli.Context) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "rm NETWORK [NETWORK...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more networks",
		Long:    `Remove networks with no container attached, with their bridge and firewall entries.`,
		Example: `  berth network rm app`,
		Args:    cli.Args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			e.Network().RepairSoon(cmd.Context())
			return cli.ForEach(cmd.OutOrStdout(), a, func(ref string) error {
				if err := network.RefusePredefinedRemove(ref); err != nil {
					return err
				}
				if p, ok := network.Lookup(e.Network().Predefined(), ref); ok { // by ID
					return network.RefusePredefinedRemove(p.Name)
				}
				err := e.Network().Store().Remove(ref)
				if force && errors.Is(err, network.ErrNotFound) {
					return nil
				}
				return err
			})
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not error if the network does not exist")
	return cmd
}

func newNetworkPruneCommand(g *cli.Context) *cobra.Command {
	var force bool
	var filters []string
	cmd := &cobra.Command{
		Use:     "prune [OPTIONS]",
		Short:   "Remove all unused networks",
		Long:    `Remove every network no running container is attached to.`,
		Example: `  berth network prune -f`,
		Args:    cli.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(filters) > 0 {
				return cli.UsageError{Err: errors.New("network prune --filter is not supported yet")}
			}
			if !force && !cli.AskYes(cmd, "This will remove all custom networks not used by at least one container.") {
				return nil
			}
			e, err := g.Engine()
			if err != nil {
				return err
			}
			e.Network().RepairSoon(cmd.Context())
			removed, err := e.Network().Store().Prune()
			cli.PrintDeleted(cmd.OutOrStdout(), "Deleted Networks:", removed)
			return err
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "do not prompt for confirmation")
	cmd.Flags().StringArrayVar(&filters, "filter", nil, "provide filter values (e.g. 'until=<timestamp>')")
	return cmd
}

func newNetworkConnectCommand(g *cli.Context) *cobra.Command {
	var o engine.ConnectOptions
	cmd := &cobra.Command{
		Use:   "connect [OPTIONS] NETWORK CONTAINER",
		Short: "Connect a container to a network",
		Long: `Connect a container to a network: at once if it runs (a new interface, its
name in the network's DNS), and at each later start.`,
		Example: `  berth network connect --alias db app postgres`,
		Args:    cli.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return e.Network().Connect(cmd.Context(), a[0], a[1], o)
		},
	}
	cmd.Flags().StringVar(&o.IP, "ip", "", "IPv4 address (e.g., 172.30.100.104)")
	cmd.Flags().StringArrayVar(&o.Aliases, "alias", nil, "add network-scoped alias for the container")
	return cmd
}

func newNetworkDisconnectCommand(g *cli.Context) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:     "disconnect [OPTIONS] NETWORK CONTAINER",
		Short:   "Disconnect a container from a network",
		Long:    `Disconnect a container from a network, now and for its later starts.`,
		Example: `  berth network disconnect app web`,
		Args:    cli.Args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, a []string) error {
			e, err := g.Engine()
			if err != nil {
				return err
			}
			return e.Network().Disconnect(cmd.Context(), a[0], a[1], force)
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "force the container to disconnect from a network")
	return cmd
}

// NetworkInspectOf is one network as Docker's inspect shows it, with the
// containers attached now.
func NetworkInspectOf(e *engine.Engine, ref string) (networkInspect, error) {
	n, eps, err := e.Network().Store().Inspect(ref)
	if p, peps, ok := e.Network().LookupPredefined(ref); ok && err != nil {
		if p.Name != network.DefaultName {
			return predefinedInspect(p), nil
		}
		n, eps, err = p, peps, nil // rootless: slirp4netns's
	}
	if err != nil {
		return networkInspect{}, err
	}
	names := e.Network().Containers(eps)
	ni := networkInspect{Name: n.Name, ID: n.ID, Created: n.Created.Format(time.RFC3339Nano), Scope: "local",
		Driver: n.Driver, Internal: n.Internal, Attachable: true, Containers: map[string]networkContainer{},
		Options: map[string]string{"com.docker.network.bridge.name": n.Bridge}, Labels: n.Labels,
		IPAM: networkIPAM{Driver: "default", Options: map[string]string{},
			Config: []map[string]string{{"Subnet": n.Subnet.String(), "Gateway": n.Gateway.String()}}}}
	if ni.Labels == nil {
		ni.Labels = map[string]string{}
	}
	if n.Bridge == "" { // rootless bridge: a slirp4netns per container, joined at create only
		ni.Options, ni.Attachable = map[string]string{}, false
	}
	for _, ep := range eps {
		ni.Containers[ep.ContainerID] = networkContainer{Name: names[ep.ContainerID], EndpointID: ep.HostVeth,
			MacAddress: ep.MAC, IPv4Address: fmt.Sprintf("%s/%d", ep.IP, ep.Prefix)}
	}
	return ni, nil
}

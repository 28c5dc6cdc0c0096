// Package networks serves /networks/...
package networks

import (
	"context"
	"net/http"
	"time"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/network"
)

// networksAPI serves the networks endpoints of the Engine API.
type networksAPI struct{ *router.Router }

// Register adds this package's routes to r.
func Register(r *router.Router) {
	s := &networksAPI{r}
	s.Handle("GET /networks", s.listNetworks)
	s.Handle("POST /networks/create", s.createNetwork)
	s.Handle("GET /networks/{id}", s.inspectNetwork)
	s.Handle("DELETE /networks/{id}", s.removeNetwork)
	s.Handle("POST /networks/{id}/connect", s.connectNetwork)
	s.Handle("POST /networks/{id}/disconnect", s.disconnectNetwork)
	s.Handle("POST /networks/prune", s.pruneNetworks)
}

// networkJSON is a network as Docker's API shows it.
type networkJSON struct {
	Name       string
	ID         string `json:"Id"`
	Created    string
	Scope      string
	Driver     string
	EnableIPv6 bool
	IPAM       struct {
		Driver  string
		Options map[string]string
		Config  []map[string]string
	}
	Internal   bool
	Attachable bool
	Ingress    bool
	ConfigOnly bool
	Containers map[string]networkContainer
	Options    map[string]string
	Labels     map[string]string
}

type networkContainer struct {
	Name        string
	EndpointID  string
	MacAddress  string
	IPv4Address string
	IPv6Address string
}

func toNetworkJSON(n network.Network, eps []network.Endpoint) networkJSON {
	j := networkJSON{Name: n.Name, ID: n.ID, Created: n.Created.Format(time.RFC3339Nano), Scope: "local", Driver: n.Driver,
		Internal: n.Internal, Containers: map[string]networkContainer{}, Options: map[string]string{}, Labels: n.Labels}
	if j.Labels == nil {
		j.Labels = map[string]string{}
	}
	j.IPAM.Driver, j.IPAM.Options = "default", map[string]string{}
	j.IPAM.Config = []map[string]string{}
	if n.Subnet.IsValid() {
		j.IPAM.Config = append(j.IPAM.Config, map[string]string{"Subnet": n.Subnet.String(), "Gateway": n.Gateway.String()})
	}
	for _, ep := range eps {
		j.Containers[ep.ContainerID] = networkContainer{Name: ep.Name, EndpointID: ep.ContainerID, MacAddress: ep.MAC,
			IPv4Address: ep.IP.String() + "/" + router.Itoa64(int64(ep.Prefix))}
	}
	return j
}

func (s *networksAPI) listNetworks(w http.ResponseWriter, r *http.Request) error {
	fs, err := router.FilterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	match, err := network.ListFilter(fs)
	if err != nil {
		return router.BadRequest("%v", err)
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		list, err := e.Network().Store().List()
		if err != nil {
			return err
		}
		out := []networkJSON{}
		for _, n := range append(list, e.Network().Predefined()...) {
			if match(n) {
				out = append(out, toNetworkJSON(n, nil))
			}
		}
		return router.WriteJSON(w, http.StatusOK, out)
	})
}

func (s *networksAPI) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name       string
		Driver     string
		Internal   bool
		EnableIPv6 bool
		IPAM       *struct {
			Config []struct{ Subnet, Gateway, IPRange string }
		}
		Options map[string]string
		Labels  map[string]string
	}
	if err := router.DecodeBody(r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return router.BadRequest("network name is required")
	}
	if req.EnableIPv6 {
		return router.BadRequest("berth's networks are IPv4 only")
	}
	if len(req.Options) > 0 {
		return router.BadRequest("driver options are not supported by berth's bridge driver")
	}
	o := network.CreateOptions{Name: req.Name, Driver: req.Driver, Internal: req.Internal, Labels: req.Labels}
	if req.IPAM != nil && len(req.IPAM.Config) > 0 {
		if len(req.IPAM.Config) > 1 || req.IPAM.Config[0].IPRange != "" {
			return router.BadRequest("berth's networks take one subnet and no IP range")
		}
		o.Subnet, o.Gateway = req.IPAM.Config[0].Subnet, req.IPAM.Config[0].Gateway
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		n, err := e.Network().Store().Create(o)
		if err != nil {
			status, _ := router.StatusOf(err)
			if status == http.StatusInternalServerError {
				return &router.HTTPError{Status: http.StatusBadRequest, Msg: err.Error(), Err: err}
			}
			return err
		}
		return router.WriteJSON(w, http.StatusCreated, map[string]string{"Id": n.ID, "Warning": ""})
	})
}

func (s *networksAPI) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		n, eps, err := e.Network().Store().Inspect(r.PathValue("id"))
		if p, peps, ok := e.Network().LookupPredefined(r.PathValue("id")); ok && err != nil {
			n, eps, err = p, peps, nil
		}
		if err != nil {
			return err
		}
		return router.WriteJSON(w, http.StatusOK, toNetworkJSON(n, eps))
	})
}

func (s *networksAPI) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		ref := r.PathValue("id")
		if p, ok := network.Lookup(e.Network().Predefined(), ref); ok { // by ID too
			ref = p.Name
		}
		if err := network.RefusePredefinedRemove(ref); err != nil {
			return &router.HTTPError{Status: http.StatusForbidden, Msg: err.Error(), Err: err}
		}
		if err := e.Network().Store().Remove(r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *networksAPI) connectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Container      string
		EndpointConfig *struct {
			Aliases    []string
			IPAMConfig *struct{ IPv4Address string }
		}
	}
	if err := router.DecodeBody(r, &req); err != nil {
		return err
	}
	var o engine.ConnectOptions
	if ec := req.EndpointConfig; ec != nil {
		o.Aliases = ec.Aliases
		if ec.IPAMConfig != nil {
			o.IP = ec.IPAMConfig.IPv4Address
		}
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := e.Network().Connect(context.WithoutCancel(r.Context()), r.PathValue("id"), req.Container, o); err != nil {
			return router.ContainerErr(req.Container, err)
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func (s *networksAPI) disconnectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Container string
		Force     bool
	}
	if err := router.DecodeBody(r, &req); err != nil {
		return err
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := e.Network().Disconnect(context.WithoutCancel(r.Context()), r.PathValue("id"), req.Container, req.Force); err != nil {
			return router.ContainerErr(req.Container, err)
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func (s *networksAPI) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		removed, err := e.Network().Store().Prune()
		if err != nil {
			return err
		}
		if removed == nil {
			removed = []string{}
		}
		return router.WriteJSON(w, http.StatusOK, map[string]any{"NetworksDeleted": removed})
	})
}

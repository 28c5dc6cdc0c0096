package api

import (
	"context"
	"net/http"
	"time"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/network"
)

func (s *Server) routeNetworks() {
	s.handle("GET /networks", s.listNetworks)
	s.handle("POST /networks/create", s.createNetwork)
	s.handle("GET /networks/{id}", s.inspectNetwork)
	s.handle("DELETE /networks/{id}", s.removeNetwork)
	s.handle("POST /networks/{id}/connect", s.connectNetwork)
	s.handle("POST /networks/{id}/disconnect", s.disconnectNetwork)
	s.handle("POST /networks/prune", s.pruneNetworks)
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
			IPv4Address: ep.IP.String() + "/" + itoa64(int64(ep.Prefix))}
	}
	return j
}

func (s *Server) listNetworks(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		list, err := e.Networks().List()
		if err != nil {
			return err
		}
		out := []networkJSON{}
		for _, n := range append(list, network.Predefined()...) {
			out = append(out, toNetworkJSON(n, nil))
		}
		return writeJSON(w, http.StatusOK, out)
	})
}

func (s *Server) createNetwork(w http.ResponseWriter, r *http.Request) error {
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
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return badRequest("network name is required")
	}
	if req.EnableIPv6 {
		return badRequest("berth's networks are IPv4 only")
	}
	if len(req.Options) > 0 {
		return badRequest("driver options are not supported by berth's bridge driver")
	}
	o := network.CreateOptions{Name: req.Name, Driver: req.Driver, Internal: req.Internal, Labels: req.Labels}
	if req.IPAM != nil && len(req.IPAM.Config) > 0 {
		if len(req.IPAM.Config) > 1 || req.IPAM.Config[0].IPRange != "" {
			return badRequest("berth's networks take one subnet and no IP range")
		}
		o.Subnet, o.Gateway = req.IPAM.Config[0].Subnet, req.IPAM.Config[0].Gateway
	}
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		n, err := e.Networks().Create(o)
		if err != nil {
			status, _ := statusOf(err)
			if status == http.StatusInternalServerError {
				return &httpError{status: http.StatusBadRequest, msg: err.Error(), err: err}
			}
			return err
		}
		return writeJSON(w, http.StatusCreated, map[string]string{"Id": n.ID, "Warning": ""})
	})
}

func (s *Server) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		n, eps, err := e.Networks().Inspect(r.PathValue("id"))
		if p, ok := network.LookupPredefined(r.PathValue("id")); ok && err != nil {
			n, eps, err = p, nil, nil
		}
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, toNetworkJSON(n, eps))
	})
}

func (s *Server) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := network.RefusePredefinedRemove(r.PathValue("id")); err != nil {
			return &httpError{status: http.StatusForbidden, msg: err.Error(), err: err}
		}
		if err := e.Networks().Remove(r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *Server) connectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Container      string
		EndpointConfig *struct {
			Aliases    []string
			IPAMConfig *struct{ IPv4Address string }
		}
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	var o engine.ConnectOptions
	if ec := req.EndpointConfig; ec != nil {
		o.Aliases = ec.Aliases
		if ec.IPAMConfig != nil {
			o.IP = ec.IPAMConfig.IPv4Address
		}
	}
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := e.Network().Connect(context.WithoutCancel(r.Context()), r.PathValue("id"), req.Container, o); err != nil {
			return containerErr(req.Container, err)
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func (s *Server) disconnectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Container string
		Force     bool
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := e.Network().Disconnect(context.WithoutCancel(r.Context()), r.PathValue("id"), req.Container, req.Force); err != nil {
			return containerErr(req.Container, err)
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func (s *Server) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		removed, err := e.Networks().Prune()
		if err != nil {
			return err
		}
		if removed == nil {
			removed = []string{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"NetworksDeleted": removed})
	})
}

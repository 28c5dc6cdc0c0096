package api

import (
	"net/http"
	"time"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/volume"
)

func (s *Server) routeVolumes() {
	s.handle("GET /volumes", s.listVolumes)
	s.handle("POST /volumes/create", s.createVolume)
	s.handle("GET /volumes/{name}", s.inspectVolume)
	s.handle("DELETE /volumes/{name}", s.removeVolume)
	s.handle("POST /volumes/prune", s.pruneVolumes)
}

func (s *Server) listVolumes(w http.ResponseWriter, r *http.Request) error {
	fs, err := filterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		list, err := e.Volumes().List(fs)
		if err != nil {
			return badRequest("%v", err)
		}
		if list == nil {
			list = []volume.Volume{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"Volumes": list, "Warnings": []string{}})
	})
}

// createVolume is idempotent as Docker's: a name that exists answers its
// volume.
func (s *Server) createVolume(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name       string
		Driver     string
		DriverOpts map[string]string
		Labels     map[string]string
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Driver != "" && req.Driver != "local" {
		return badRequest("berth has only the local volume driver, not %s", req.Driver)
	}
	if len(req.DriverOpts) > 0 {
		return badRequest("berth's local volume driver takes no options")
	}
	if req.Name == "" {
		req.Name = engine.NewVolumeName()
	}
	if req.Labels == nil {
		req.Labels = map[string]string{}
	}
	store := volume.New(s.opts.Root)
	if v, err := store.Get(req.Name); err == nil {
		return writeJSON(w, http.StatusCreated, v)
	}
	v, err := store.Create(req.Name, req.Labels, map[string]string{}, false)
	if err != nil {
		return badRequest("%v", err)
	}
	return writeJSON(w, http.StatusCreated, v)
}

func (s *Server) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	v, err := volume.New(s.opts.Root).Get(r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) removeVolume(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := e.Volumes().Remove(r.PathValue("name"), boolQuery(r, "force")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *Server) pruneVolumes(w http.ResponseWriter, r *http.Request) error {
	fs, err := filterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	all := false
	var rest []string
	for _, f := range fs {
		if f == "all=true" || f == "all=1" {
			all = true
			continue
		}
		rest = append(rest, f)
	}
	f, err := engine.ParsePruneFilters(rest, time.Now())
	if err != nil {
		return badRequest("%v", err)
	}
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		rep, err := e.Volumes().Prune(all, f)
		if err != nil {
			return err
		}
		if rep.Deleted == nil {
			rep.Deleted = []string{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"VolumesDeleted": rep.Deleted, "SpaceReclaimed": rep.Reclaimed})
	})
}

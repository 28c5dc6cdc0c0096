// Package volumes serves /volumes/...
package volumes

import (
	"net/http"
	"time"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/internal/filters"
	"github.com/berth-containers/berth/volume"
)

// volumesAPI serves the volumes endpoints of the Engine API.
type volumesAPI struct{ *router.Router }

// Register adds this package's routes to r.
func Register(r *router.Router) {
	s := &volumesAPI{r}
	s.Handle("GET /volumes", s.listVolumes)
	s.Handle("POST /volumes/create", s.createVolume)
	s.Handle("GET /volumes/{name}", s.inspectVolume)
	s.Handle("DELETE /volumes/{name}", s.removeVolume)
	s.Handle("POST /volumes/prune", s.pruneVolumes)
}

func (s *volumesAPI) listVolumes(w http.ResponseWriter, r *http.Request) error {
	fs, err := router.FilterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		list, err := e.Volumes().List(fs)
		if err != nil {
			return router.BadRequest("%v", err)
		}
		if list == nil {
			list = []volume.Volume{}
		}
		return router.WriteJSON(w, http.StatusOK, map[string]any{"Volumes": list, "Warnings": []string{}})
	})
}

// createVolume is idempotent as Docker's: a name that exists answers its
// volume.
func (s *volumesAPI) createVolume(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Name       string
		Driver     string
		DriverOpts map[string]string
		Labels     map[string]string
	}
	if err := router.DecodeBody(r, &req); err != nil {
		return err
	}
	if req.Driver != "" && req.Driver != "local" {
		return router.BadRequest("berth has only the local volume driver, not %s", req.Driver)
	}
	if len(req.DriverOpts) > 0 {
		return router.BadRequest("berth's local volume driver takes no options")
	}
	if req.Name == "" {
		req.Name = engine.NewVolumeName()
	}
	if req.Labels == nil {
		req.Labels = map[string]string{}
	}
	store := volume.New(s.Opts.Root)
	if v, err := store.Get(req.Name); err == nil {
		return router.WriteJSON(w, http.StatusCreated, v)
	}
	v, err := store.Create(req.Name, req.Labels, map[string]string{}, false)
	if err != nil {
		return router.BadRequest("%v", err)
	}
	return router.WriteJSON(w, http.StatusCreated, v)
}

func (s *volumesAPI) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	v, err := volume.New(s.Opts.Root).Get(r.PathValue("name"))
	if err != nil {
		return err
	}
	return router.WriteJSON(w, http.StatusOK, v)
}

func (s *volumesAPI) removeVolume(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := e.Volumes().Remove(r.PathValue("name"), router.BoolQuery(r, "force")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *volumesAPI) pruneVolumes(w http.ResponseWriter, r *http.Request) error {
	fs, err := router.FilterArgs(r.URL.Query().Get("filters"))
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
	f, err := filters.ParsePrune(rest, time.Now())
	if err != nil {
		return router.BadRequest("%v", err)
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		rep, err := e.Volumes().Prune(all, f)
		if err != nil {
			return err
		}
		if rep.Deleted == nil {
			rep.Deleted = []string{}
		}
		return router.WriteJSON(w, http.StatusOK, map[string]any{"VolumesDeleted": rep.Deleted, "SpaceReclaimed": rep.Reclaimed})
	})
}

package containers

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/moby/moby/api/types/container"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
)

// routeArchive: what docker cp, docker export and docker diff use.
func routesArchive(r *router.Router) {
	s := &containersAPI{Router: r}
	s.Handle("HEAD /containers/{id}/archive", s.statArchive)
	s.Handle("GET /containers/{id}/archive", s.getArchive)
	s.Handle("PUT /containers/{id}/archive", s.putArchive)
	s.Handle("GET /containers/{id}/export", s.exportContainer)
	s.Handle("GET /containers/{id}/changes", s.containerChanges)
}

// pathStat stats the path query parameter and sets Docker's header of it.
func pathStat(w http.ResponseWriter, r *http.Request, e *engine.Engine, id string) error {
	p := r.URL.Query().Get("path")
	if p == "" {
		return router.BadRequest("path cannot be empty")
	}
	st, err := e.Files().StatPath(r.Context(), id, p)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			if _, gerr := e.Get(id); gerr != nil {
				return router.NoSuchContainer(id, gerr)
			}
			return &router.HTTPError{Status: http.StatusNotFound, Msg: "Could not find the file " + p + " in container " + id, Err: err}
		}
		return err
	}
	b, err := json.Marshal(container.PathStat{Name: st.Name, Size: st.Size, Mode: st.Mode, Mtime: st.Mtime, LinkTarget: st.LinkTarget})
	if err != nil {
		return err
	}
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(b))
	return nil
}

func (s *containersAPI) statArchive(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := pathStat(w, r, e, r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

// getArchive is a tar of the path, its entries named as docker cp wants.
func (s *containersAPI) getArchive(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := pathStat(w, r, e, id); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/x-tar")
		return router.Stream(w, func(w io.Writer) error {
			return e.Files().CopyFrom(r.Context(), id, r.URL.Query().Get("path"), "-", engine.CopyOptions{Archive: true}, w)
		})
	})
}

// putArchive extracts the body, a tar, into the directory path: the CLI
// has already rebased its entries on the destination's name.
func (s *containersAPI) putArchive(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	p := r.URL.Query().Get("path")
	if p == "" {
		return router.BadRequest("path cannot be empty")
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		err := e.Files().CopyTo(r.Context(), id, "-", p, engine.CopyOptions{Archive: router.BoolQuery(r, "copyUIDGID")}, r.Body)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return router.NoSuchContainer(id, err)
			}
			return router.BadRequest("%v", err)
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

func (s *containersAPI) exportContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithContainer(id, func(e *engine.Engine, _ *record.Container) error {
		w.Header().Set("Content-Type", "application/x-tar")
		return router.Stream(w, func(w io.Writer) error { return e.Files().Export(r.Context(), id, w) })
	})
}

// changeKinds are the API's numbers for docker diff's C, A and D.
var changeKinds = map[string]container.ChangeType{
	engine.ChangeModify: container.ChangeModify,
	engine.ChangeAdd:    container.ChangeAdd,
	engine.ChangeDelete: container.ChangeDelete,
}

func (s *containersAPI) containerChanges(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithContainer(id, func(e *engine.Engine, _ *record.Container) error {
		changes, err := e.Files().Diff(r.Context(), id)
		if err != nil {
			return err
		}
		out := make([]container.FilesystemChange, 0, len(changes))
		for _, c := range changes {
			out = append(out, container.FilesystemChange{Kind: changeKinds[c.Kind], Path: c.Path})
		}
		return router.WriteJSON(w, http.StatusOK, out)
	})
}

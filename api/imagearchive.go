package api

import (
	"io"
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/berth-containers/berth/engine"
	bimage "github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/archive"
	"github.com/berth-containers/berth/image/build"
)

// repoTag joins the repo and tag query parameters as one image name.
func repoTag(r *http.Request) string {
	repo, tag := r.URL.Query().Get("repo"), r.URL.Query().Get("tag")
	if repo != "" && tag != "" {
		return repo + ":" + tag
	}
	return repo
}

// commit is docker commit: the changes come as repeated query values.
func (s *Server) commit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id := q.Get("container")
	var cfg container.Config // the CLI sends its --change-free config: unused
	if err := decodeBody(r, &cfg); err != nil {
		return err
	}
	o := engine.CommitOptions{Author: q.Get("author"), Message: q.Get("comment"), Changes: q["changes"],
		Pause: q.Get("pause") == "" || boolQuery(r, "pause")}
	return s.withContainer(id, func(e *engine.Engine, c *engine.Container) error {
		dig, err := e.Commit(r.Context(), c.ID, repoTag(r), o)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, map[string]string{"Id": dig.String()})
	})
}

// saveImages is docker save: GET /images/get?names=a&names=b, or
// /images/{name}/get (through imageByName).
func (s *Server) saveImages(w http.ResponseWriter, r *http.Request) error {
	return s.save(w, r, r.URL.Query()["names"])
}

func (s *Server) save(w http.ResponseWriter, r *http.Request, names []string) error {
	if len(names) == 0 {
		return badRequest("no image names given")
	}
	return s.withEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		for _, n := range names {
			if _, err := svc.Get(r.Context(), n); err != nil {
				return noSuchImage(n, err)
			}
		}
		w.Header().Set("Content-Type", "application/x-tar")
		return stream(w, func(w io.Writer) error { return svc.Save(r.Context(), w, names, archive.FormatDocker) })
	})
}

// loadImages is docker load: the archive is the body, the answer a JSON
// stream of "Loaded image" lines as dockerd's (plain text with quiet).
func (s *Server) loadImages(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		loaded, err := svc.Load(r.Context(), r.Body, nil)
		if err != nil && len(loaded) == 0 {
			return badRequest("%v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		js := newJSONProgress(w)
		for _, l := range loaded {
			js.message(map[string]string{"stream": l + "\n"})
		}
		if err != nil {
			js.message(map[string]any{"errorDetail": map[string]string{"message": err.Error()}, "error": err.Error()})
		}
		return nil
	})
}

// importImage is POST /images/create?fromSrc=-: docker import of the body.
func (s *Server) importImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if src := q.Get("fromSrc"); src != "-" {
		return &httpError{status: http.StatusNotImplemented, msg: "berth imports from the request body only (fromSrc=-), not " + src}
	}
	return s.withEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		img, err := svc.Import(r.Context(), r.Body, repoTag(r), build.ImportOptions{Source: "-", Changes: q["changes"], Message: q.Get("message")})
		if err != nil {
			if strings.Contains(err.Error(), "invalid") {
				return badRequest("%v", err)
			}
			return err
		}
		js := newJSONProgress(w)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		js.message(map[string]string{"status": img.ID.String()})
		return nil
	})
}

package images

import (
	"io"
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/container"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
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
func (s *imagesAPI) commit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	id := q.Get("container")
	var cfg container.Config // the CLI sends its --change-free config: unused
	if err := router.DecodeBody(r, &cfg); err != nil {
		return err
	}
	o := engine.CommitOptions{Author: q.Get("author"), Message: q.Get("comment"), Changes: q["changes"],
		Pause: q.Get("pause") == "" || router.BoolQuery(r, "pause")}
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		dig, err := e.Commit(r.Context(), c.ID, repoTag(r), o)
		if err != nil {
			return err
		}
		return router.WriteJSON(w, http.StatusCreated, map[string]string{"Id": dig.String()})
	})
}

// saveImages is docker save: GET /images/get?names=a&names=b, or
// /images/{name}/get (through imageByName).
func (s *imagesAPI) saveImages(w http.ResponseWriter, r *http.Request) error {
	return s.save(w, r, r.URL.Query()["names"])
}

func (s *imagesAPI) save(w http.ResponseWriter, r *http.Request, names []string) error {
	if len(names) == 0 {
		return router.BadRequest("no image names given")
	}
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		for _, n := range names {
			if _, err := svc.Get(r.Context(), n); err != nil {
				return noSuchImage(n, err)
			}
		}
		w.Header().Set("Content-Type", "application/x-tar")
		return router.Stream(w, func(w io.Writer) error { return svc.Save(r.Context(), w, names, archive.FormatDocker) })
	})
}

// loadImages is docker load: the archive is the body, the answer a JSON
// stream of "Loaded image" lines as dockerd's (plain text with quiet).
func (s *imagesAPI) loadImages(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		loaded, err := svc.Load(r.Context(), r.Body, nil)
		if err != nil && len(loaded) == 0 {
			return router.BadRequest("%v", err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		js := router.NewJSONProgress(w)
		for _, l := range loaded {
			js.Message(map[string]string{"stream": l + "\n"})
		}
		if err != nil {
			js.Message(map[string]any{"errorDetail": map[string]string{"message": err.Error()}, "error": err.Error()})
		}
		return nil
	})
}

// importImage is POST /images/create?fromSrc=-: docker import of the body.
func (s *imagesAPI) importImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if src := q.Get("fromSrc"); src != "-" {
		return &router.HTTPError{Status: http.StatusNotImplemented, Msg: "berth imports from the request body only (fromSrc=-), not " + src}
	}
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		img, err := svc.Import(r.Context(), r.Body, repoTag(r), build.ImportOptions{Source: "-", Changes: q["changes"], Message: q.Get("message")})
		if err != nil {
			if strings.Contains(err.Error(), "invalid") {
				return router.BadRequest("%v", err)
			}
			return err
		}
		js := router.NewJSONProgress(w)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		js.Message(map[string]string{"status": img.ID.String()})
		return nil
	})
}

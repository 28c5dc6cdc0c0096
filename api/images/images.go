// Package images serves /images/... and /commit: list, pull, push, tag,
// remove, prune, inspect, history, save, load and import.
package images

import (
	"io"
	"net/http"
	"strings"

	"github.com/moby/moby/api/types/image"
	"github.com/opencontainers/go-digest"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/builder"
	"github.com/berth-containers/berth/engine"
	bimage "github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/image/archive"
	"github.com/berth-containers/berth/image/progress"
	"github.com/berth-containers/berth/image/registry"
)

// imagesAPI serves the images endpoints of the Engine API.
type imagesAPI struct{ *router.Router }

// Register adds this package's routes to r.
func Register(r *router.Router) {
	s := &imagesAPI{r}
	s.Handle("GET /images/json", s.listImages)
	s.Handle("POST /images/create", s.pullImage)
	s.Handle("GET /images/{name...}", s.imageByName)
	s.Handle("POST /images/{name...}", s.imageAction)
	s.Handle("DELETE /images/{name...}", s.removeImage)
	s.Handle("POST /images/prune", s.pruneImages)
	s.Handle("POST /commit", s.commit)
	s.Handle("GET /images/get", s.saveImages)
	s.Handle("POST /images/load", s.loadImages)
}

// ImageSummaries are the rows of GET /images/json, one per image.
// Without all, intermediate are left out (the build cache's images).
func ImageSummaries(r *http.Request, svc *bimage.Service, fs []string, intermediate map[digest.Digest]bool) ([]image.Summary, error) {
	f, err := bimage.ParseFilters(fs)
	if err != nil {
		return nil, router.BadRequest("%v", err)
	}
	f.Intermediate = intermediate
	rows, err := svc.Rows(r.Context(), f)
	if err != nil {
		return nil, err
	}
	out := []image.Summary{}
	at := map[string]int{} // image ID -> index in out
	for _, row := range rows {
		img := row.Image
		if i, ok := at[img.ID.String()]; ok {
			if len(f.References) > 0 {
				addNames(&out[i], row)
			}
			continue // one row per image, with all its names
		}
		at[img.ID.String()] = len(out)
		labels := img.Config.Config.Labels
		if labels == nil {
			labels = map[string]string{}
		}
		sum := image.Summary{
			ID: img.ID.String(), RepoTags: append([]string{}, img.RepoTags...), RepoDigests: append([]string{}, img.RepoDigests...),
			Created: row.Created.Unix(), Size: row.Size, SharedSize: -1, Containers: -1, Labels: labels,
		}
		if len(f.References) > 0 {
			// Docker lists only the names that the reference filter
			// matched (docker-py's images.list(name=) relies on it).
			sum.RepoTags, sum.RepoDigests = []string{}, []string{}
			addNames(&sum, row)
		}
		out = append(out, sum)
	}
	return out, nil
}

// addNames adds the name of a row that a filter matched to its image's
// summary: repo:tag, and the repository's digest reference.
func addNames(sum *image.Summary, row bimage.Row) {
	if row.Repository == "<none>" {
		return
	}
	if row.Tag != "<none>" && row.Tag != "" {
		sum.RepoTags = append(sum.RepoTags, row.Repository+":"+row.Tag)
	}
	if row.Digest != "<none>" && row.Digest != "" {
		rd := row.Repository + "@" + row.Digest
		for _, have := range sum.RepoDigests {
			if have == rd {
				return
			}
		}
		sum.RepoDigests = append(sum.RepoDigests, rd)
	}
}

func (s *imagesAPI) listImages(w http.ResponseWriter, r *http.Request) error {
	fs, err := router.FilterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	var hide map[digest.Digest]bool
	if !router.BoolQuery(r, "all") {
		if hide, err = builder.CacheImages(s.Opts.Root); err != nil {
			return err
		}
	}
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		list, err := ImageSummaries(r, svc, fs, hide)
		if err != nil {
			return err
		}
		return router.WriteJSON(w, http.StatusOK, list)
	})
}

// imageByName is GET /images/{name}/json (inspect) and .../history; an
// image name holds slashes, so the verb is the path's last element.
func (s *imagesAPI) imageByName(w http.ResponseWriter, r *http.Request) error {
	name, verb := splitVerb(r.PathValue("name"))
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		img, err := svc.Get(r.Context(), name)
		if err != nil {
			return noSuchImage(name, err)
		}
		switch verb {
		case "json":
			return router.WriteJSON(w, http.StatusOK, svc.Inspect(r.Context(), img))
		case "history":
			return router.WriteJSON(w, http.StatusOK, svc.History(r.Context(), img))
		case "get":
			w.Header().Set("Content-Type", "application/x-tar")
			return router.Stream(w, func(w io.Writer) error { return svc.Save(r.Context(), w, []string{name}, archive.FormatDocker) })
		}
		return &router.HTTPError{Status: http.StatusNotFound, Msg: "page not found"}
	})
}

func splitVerb(p string) (name, verb string) {
	i := strings.LastIndex(p, "/")
	if i < 0 {
		return p, ""
	}
	return p[:i], p[i+1:]
}

func noSuchImage(name string, err error) error {
	status, _ := router.StatusOf(err)
	if status == http.StatusNotFound {
		return &router.HTTPError{Status: http.StatusNotFound, Msg: "No such image: " + name, Err: err}
	}
	return err
}

// imageAction is POST /images/{name}/tag and /images/{name}/push.
func (s *imagesAPI) imageAction(w http.ResponseWriter, r *http.Request) error {
	name, verb := splitVerb(r.PathValue("name"))
	switch verb {
	case "tag":
		return s.tagImage(w, r, name)
	case "push":
		return s.pushImage(w, r, name)
	}
	return &router.HTTPError{Status: http.StatusNotFound, Msg: "page not found"}
}

func (s *imagesAPI) tagImage(w http.ResponseWriter, r *http.Request, name string) error {
	repo, tag := r.URL.Query().Get("repo"), r.URL.Query().Get("tag")
	if repo == "" {
		return router.BadRequest("repository name must have at least one component")
	}
	dst := repo
	if tag != "" {
		dst += ":" + tag
	}
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		if err := svc.Tag(r.Context(), name, dst); err != nil {
			if errorsIsNotFound(err) {
				return noSuchImage(name, err)
			}
			return &router.HTTPError{Status: http.StatusBadRequest, Msg: err.Error(), Err: err}
		}
		w.WriteHeader(http.StatusCreated)
		return nil
	})
}

func errorsIsNotFound(err error) bool {
	status, _ := router.StatusOf(err)
	return status == http.StatusNotFound
}

func (s *imagesAPI) removeImage(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		res, err := svc.Remove(r.Context(), name, router.BoolQuery(r, "force"))
		if err != nil {
			if errorsIsNotFound(err) {
				return noSuchImage(name, err)
			}
			if strings.Contains(err.Error(), "container") {
				return router.Conflict("%v", err)
			}
			return err
		}
		out := []image.DeleteResponse{}
		for _, u := range res.Untagged {
			out = append(out, image.DeleteResponse{Untagged: u})
		}
		for _, d := range res.Deleted {
			out = append(out, image.DeleteResponse{Deleted: d.String()})
		}
		return router.WriteJSON(w, http.StatusOK, out)
	})
}

func (s *imagesAPI) pruneImages(w http.ResponseWriter, r *http.Request) error {
	fs, err := router.FilterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	all := false
	for _, f := range fs {
		if f == "dangling=false" || f == "dangling=0" {
			all = true
		}
	}
	return s.WithEngine(func(_ *engine.Engine, svc *bimage.Service) error {
		rep, err := svc.Prune(r.Context(), all)
		if err != nil {
			return err
		}
		return router.WriteJSON(w, http.StatusOK, pruneReport(rep))
	})
}

// pullImage is POST /images/create?fromImage=&tag=: the JSON progress
// stream, an error in it once the status 200 is sent.
func (s *imagesAPI) pullImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	ref := q.Get("fromImage")
	if ref == "" {
		return s.importImage(w, r)
	}
	if tag := q.Get("tag"); tag != "" {
		if strings.HasPrefix(tag, "sha256:") {
			ref += "@" + tag
		} else {
			ref += ":" + tag
		}
	}
	plat, err := registry.ParsePlatform(q.Get("platform"))
	if err != nil {
		return router.BadRequest("%v", err)
	}
	return s.WithRegistryAuth(r, func(_ *engine.Engine, svc *bimage.Service) error {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		js := router.NewJSONProgress(router.NewFlushWriter(w))
		p := progress.New(js, progress.Plain)
		img, err := svc.Pull(r.Context(), ref, bimage.PullOptions{Platform: plat, Progress: p})
		p.Close()
		if err != nil {
			js.Message(map[string]any{"errorDetail": map[string]string{"message": err.Error()}, "error": err.Error()})
			return nil
		}
		if len(img.RepoDigests) > 0 {
			js.Message(map[string]string{"status": "Digest: " + strings.SplitN(img.RepoDigests[0], "@", 2)[1]})
		}
		js.Message(map[string]string{"status": "Status: Image is up to date for " + ref})
		return nil
	})
}

func (s *imagesAPI) pushImage(w http.ResponseWriter, r *http.Request, name string) error {
	if tag := r.URL.Query().Get("tag"); tag != "" {
		name += ":" + tag
	}
	return s.WithRegistryAuth(r, func(_ *engine.Engine, svc *bimage.Service) error {
		if _, err := svc.Get(r.Context(), name); err != nil {
			return noSuchImage(name, err)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		js := router.NewJSONProgress(router.NewFlushWriter(w))
		p := progress.New(js, progress.Plain)
		desc, err := svc.Push(r.Context(), name, p)
		p.Close()
		if err != nil {
			js.Message(map[string]any{"errorDetail": map[string]string{"message": err.Error()}, "error": err.Error()})
			return nil
		}
		js.Message(map[string]string{"status": pushStatus(name, desc.Digest, desc.Size)})
		return nil
	})
}

// pushStatus is the last line of a push, which the CLI prints and scripts
// read the digest from: the tag of name, latest when it has none, as
// dockerd says. The text after name's last colon is no tag when it is a
// registry's port (localhost:5000/app).
func pushStatus(name string, d digest.Digest, size int64) string {
	_, tag := bimage.SplitName(name)
	return tag + ": digest: " + d.String() + " size: " + router.Itoa64(size)
}

func pruneReport(rep bimage.PruneReport) image.PruneReport {
	out := image.PruneReport{ImagesDeleted: []image.DeleteResponse{}, SpaceReclaimed: uint64(rep.Reclaimed)}
	for _, u := range rep.Untagged {
		out.ImagesDeleted = append(out.ImagesDeleted, image.DeleteResponse{Untagged: u})
	}
	for _, d := range rep.Deleted {
		out.ImagesDeleted = append(out.ImagesDeleted, image.DeleteResponse{Deleted: d.String()})
	}
	return out
}

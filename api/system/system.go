// Package system serves /_ping, /version, /info, /system/df, /auth and /events.
package system

import (
	"net/http"
	"runtime"

	"github.com/moby/moby/api/types/system"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/api/containers"
	"github.com/berth-containers/berth/api/images"
	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
)

// systemAPI serves the system endpoints of the Engine API.
type systemAPI struct{ *router.Router }

// Register adds this package's routes to r.
func Register(r *router.Router) {
	s := &systemAPI{r}
	s.Handle("GET /_ping", s.ping)
	s.Handle("HEAD /_ping", s.ping)
	s.Handle("GET /version", s.getVersion)
	s.Handle("GET /info", s.info)
	s.Handle("GET /system/df", s.diskUsage)
	s.Handle("POST /auth", s.authenticate)
}

// ping answers as Docker's: OK, with the headers clients negotiate from.
// Builder-Version 1: berth has no BuildKit session API.
func (s *systemAPI) ping(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Builder-Version", "1")
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Length", "0")
		return nil
	}
	_, err := w.Write([]byte("OK"))
	return err
}

func kernelVersion() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

func (s *systemAPI) getVersion(w http.ResponseWriter, _ *http.Request) error {
	v := system.VersionResponse{
		Platform:      struct{ Name string }{Name: "berth"},
		Version:       s.Version(),
		APIVersion:    router.MaxVersion,
		MinAPIVersion: router.MinVersion,
		GitCommit:     s.Opts.GitCommit,
		GoVersion:     runtime.Version(),
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		KernelVersion: kernelVersion(),
		Components: []system.ComponentVersion{{
			Name: "Engine", Version: s.Version(),
			Details: map[string]string{"ApiVersion": router.MaxVersion, "MinAPIVersion": router.MinVersion, "Os": runtime.GOOS, "Arch": runtime.GOARCH,
				"GoVersion": runtime.Version(), "GitCommit": s.Opts.GitCommit, "KernelVersion": kernelVersion()},
		}},
	}
	return router.WriteJSON(w, http.StatusOK, v)
}

// info serves the engine's Info, which has Docker's field names already.
func (s *systemAPI) info(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		in, err := e.System().Info(r.Context(), s.Opts.Insecure)
		if err != nil {
			return err
		}
		in.ServerVersion = s.Version()
		return router.WriteJSON(w, http.StatusOK, in)
	})
}

// diskUsage is /system/df: the objects of `berth system df -v`.
func (s *systemAPI) diskUsage(w http.ResponseWriter, r *http.Request) error {
	return s.WithEngine(func(e *engine.Engine, svc *image.Service) error {
		d, err := e.System().DiskUsageVerbose(r.Context())
		if err != nil {
			return err
		}
		out := map[string]any{"BuildCache": []any{}}
		imgs, err := images.ImageSummaries(r, svc, nil, nil)
		if err != nil {
			return err
		}
		var layers int64
		for _, im := range imgs {
			layers += im.Size
		}
		out["LayersSize"] = layers
		out["Images"] = imgs
		list, err := e.List(engine.ListOptions{All: true})
		if err != nil {
			return err
		}
		out["Containers"] = containers.ContainerSummaries(e, list, true)
		out["Volumes"] = d.Volumes
		return router.WriteJSON(w, http.StatusOK, out)
	})
}

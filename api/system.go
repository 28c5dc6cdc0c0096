package api

import (
	"net/http"
	"runtime"

	"github.com/moby/moby/api/types/system"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/image"
)

func (s *Server) routeSystem() {
	s.handle("GET /_ping", s.ping)
	s.handle("HEAD /_ping", s.ping)
	s.handle("GET /version", s.getVersion)
	s.handle("GET /info", s.info)
	s.handle("GET /system/df", s.diskUsage)
}

// ping answers as Docker's: OK, with the headers clients negotiate from.
// Builder-Version 1: berth has no BuildKit session API.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) error {
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

func (s *Server) getVersion(w http.ResponseWriter, _ *http.Request) error {
	v := system.VersionResponse{
		Platform:      struct{ Name string }{Name: "berth"},
		Version:       s.version(),
		APIVersion:    MaxVersion,
		MinAPIVersion: MinVersion,
		GitCommit:     s.opts.GitCommit,
		GoVersion:     runtime.Version(),
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		KernelVersion: kernelVersion(),
		Components: []system.ComponentVersion{{
			Name: "Engine", Version: s.version(),
			Details: map[string]string{"ApiVersion": MaxVersion, "MinAPIVersion": MinVersion, "Os": runtime.GOOS, "Arch": runtime.GOARCH,
				"GoVersion": runtime.Version(), "GitCommit": s.opts.GitCommit, "KernelVersion": kernelVersion()},
		}},
	}
	return writeJSON(w, http.StatusOK, v)
}

// info serves the engine's Info, which has Docker's field names already.
func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(e *engine.Engine, _ *image.Service) error {
		in, err := e.System().Info(r.Context(), s.opts.Insecure)
		if err != nil {
			return err
		}
		in.ServerVersion = s.version()
		return writeJSON(w, http.StatusOK, in)
	})
}

// diskUsage is /system/df: the objects of `berth system df -v`.
func (s *Server) diskUsage(w http.ResponseWriter, r *http.Request) error {
	return s.withEngine(func(e *engine.Engine, svc *image.Service) error {
		d, err := e.System().DiskUsageVerbose(r.Context())
		if err != nil {
			return err
		}
		out := map[string]any{"BuildCache": []any{}}
		imgs, err := imageSummaries(r, svc, nil, nil)
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
		out["Containers"] = containerSummaries(e, list, true)
		out["Volumes"] = d.Volumes
		return writeJSON(w, http.StatusOK, out)
	})
}

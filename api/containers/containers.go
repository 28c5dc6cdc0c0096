// Package containers serves /containers/...: create, list, inspect, the
// lifecycle, logs, wait, attach, stats, update, archive, export, changes.
package containers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/lifecycle"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/internal/filters"
	"github.com/berth-containers/berth/runtime/signals"
)

// containersAPI serves the containers endpoints of the Engine API.
type containersAPI struct {
	*router.Router
	waits waitSet
}

// Register adds this package's routes to r.
func Register(r *router.Router) {
	routesArchive(r)
	routesMore(r)
	routesWebsocket(r)
	s := &containersAPI{Router: r}
	s.Handle("POST /containers/create", s.createContainer)
	s.Handle("GET /containers/json", s.listContainers)
	s.Handle("GET /containers/{id}/json", s.inspectContainer)
	s.Handle("POST /containers/{id}/start", s.startContainer)
	s.Handle("POST /containers/{id}/stop", s.stopContainer)
	s.Handle("POST /containers/{id}/restart", s.restartContainer)
	s.Handle("POST /containers/{id}/kill", s.killContainer)
	s.Handle("POST /containers/{id}/pause", s.pauseContainer)
	s.Handle("POST /containers/{id}/unpause", s.pauseContainer)
	s.Handle("POST /containers/{id}/rename", s.renameContainer)
	s.Handle("POST /containers/{id}/wait", s.waitContainer)
	s.Handle("DELETE /containers/{id}", s.removeContainer)
	s.Handle("POST /containers/prune", s.pruneContainers)
	s.Handle("GET /containers/{id}/logs", s.containerLogs)
	s.Handle("POST /containers/{id}/attach", s.attachContainer)
	s.Handle("POST /containers/{id}/resize", s.resizeContainer)
	s.Handle("GET /containers/{id}/top", s.topContainer)
}

func (s *containersAPI) createContainer(w http.ResponseWriter, r *http.Request) error {
	o, err := createOptions(r)
	if err != nil {
		return err
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		c, err := e.Create(r.Context(), o, nil)
		if err != nil {
			var nf *image.NotFoundError
			if errors.As(err, &nf) {
				return &router.HTTPError{Status: http.StatusNotFound, Msg: "No such image: " + nf.Ref, Err: err}
			}
			return createErr(err)
		}
		return router.WriteJSON(w, http.StatusCreated, container.CreateResponse{ID: c.ID, Warnings: []string{}})
	})
}

// createErr: a create that fails on a name in use is a conflict; one that
// fails the option checks is the client's (400); the rest are berth's.
func createErr(err error) error {
	status, _ := router.StatusOf(err)
	if status != http.StatusInternalServerError {
		return err
	}
	msg := err.Error()
	for _, w := range []string{"invalid", "unknown", "must", "cannot", "not supported", "conflicting", "requires"} {
		if strings.Contains(strings.ToLower(msg), w) {
			return &router.HTTPError{Status: http.StatusBadRequest, Msg: msg, Err: err}
		}
	}
	return err
}

func (s *containersAPI) listContainers(w http.ResponseWriter, r *http.Request) error {
	fs, err := router.FilterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	limit, err := router.IntQuery(r, "limit", 0)
	if err != nil {
		return err
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		list, err := e.List(engine.ListOptions{All: router.BoolQuery(r, "all"), Last: limit, Filters: fs})
		if err != nil {
			return &router.HTTPError{Status: http.StatusBadRequest, Msg: err.Error(), Err: err}
		}
		return router.WriteJSON(w, http.StatusOK, ContainerSummaries(e, list, router.BoolQuery(r, "size")))
	})
}

// commandOf is a summary's Command as dockerd makes it: the path and the
// arguments, those with a space in single quotes (docker ps shows it).
func commandOf(path string, args []string) string {
	parts := []string{path}
	for _, a := range args {
		if strings.Contains(a, " ") {
			a = "'" + a + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// ContainerSummaries are the rows of GET /containers/json.
func ContainerSummaries(e *engine.Engine, list []*record.Container, size bool) []container.Summary {
	out := make([]container.Summary, 0, len(list))
	for _, c := range list {
		sum := container.Summary{
			ID: c.ID, Names: []string{"/" + c.Name}, Image: c.Image, ImageID: c.ImageID,
			Command: commandOf(c.Path, c.Args), Created: c.Created.Unix(),
			Labels: c.Config.Labels, State: container.ContainerState(c.State.Status), Status: statusText(c),
			Ports: []container.PortSummary{}, Mounts: []container.MountPoint{},
			NetworkSettings: &container.NetworkSettingsSummary{Networks: map[string]*network.EndpointSettings{}},
		}
		if sum.Labels == nil {
			sum.Labels = map[string]string{}
		}
		sum.HostConfig.NetworkMode = c.HostConfig.NetworkMode
		for name := range c.HostConfig.Networks {
			sum.NetworkSettings.Networks[name] = &network.EndpointSettings{}
		}
		for port, bs := range c.HostConfig.PortBindings {
			num, proto, _ := strings.Cut(port, "/")
			n, _ := strconv.ParseUint(num, 10, 16)
			for _, b := range bs {
				pub, _ := strconv.ParseUint(b.HostPort, 10, 16)
				ps := container.PortSummary{PrivatePort: uint16(n), PublicPort: uint16(pub), Type: proto}
				ps.IP, _ = netip.ParseAddr(b.HostIP)
				sum.Ports = append(sum.Ports, ps)
			}
		}
		for _, m := range c.HostConfig.Mounts {
			sum.Mounts = append(sum.Mounts, container.MountPoint{Type: mount.Type(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination, RW: !m.ReadOnly})
		}
		if size {
			sum.SizeRw, _ = e.Files().Size(c)
		}
		out = append(out, sum)
	}
	return out
}

// statusText is Docker's Status of a list row: "Up 2 minutes", "Exited
// (0) 3 seconds ago", "Created".
func statusText(c *record.Container) string {
	st := c.State
	ago := func(t time.Time) string { return units.HumanDuration(time.Since(t)) + " ago" }
	switch st.Status {
	case record.StatusRunning:
		return "Up " + units.HumanDuration(time.Since(st.StartedAt)) + c.HealthText()
	case record.StatusPaused:
		return "Up " + units.HumanDuration(time.Since(st.StartedAt)) + " (Paused)"
	case record.StatusRestarting:
		return fmt.Sprintf("Restarting (%d) %s", st.ExitCode, ago(st.FinishedAt))
	case record.StatusExited:
		if !st.StartedAt.IsZero() {
			return fmt.Sprintf("Exited (%d) %s", st.ExitCode, ago(st.FinishedAt))
		}
	}
	return "Created"
}

// inspectContainer serves the engine's Inspect, which is Docker's shape.
func (s *containersAPI) inspectContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		in, err := e.Inspect(id)
		if err != nil {
			return router.ContainerErr(id, err)
		}
		return router.WriteJSON(w, http.StatusOK, in)
	})
}

func (s *containersAPI) startContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		if c.Running() {
			return router.ErrNotModified
		}
		// The start outlives the request: a client that hangs up must
		// not leave a half-started container.
		if _, err := e.Start(context.WithoutCancel(r.Context()), c.ID); err != nil {
			if c.HostConfig.AutoRemove {
				s.waits.drain(c.ID, 5*time.Second)
			}
			return startErr(id, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// stopTimeout reads ?t= (or ?timeout=): seconds, -1 for the container's own.
func stopTimeout(r *http.Request) (int, error) {
	name := "t"
	if r.URL.Query().Has("timeout") {
		name = "timeout"
	}
	return router.IntQuery(r, name, -1)
}

func (s *containersAPI) stopContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	t, err := stopTimeout(r)
	if err != nil {
		return err
	}
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		if !c.Running() && c.State.Status != record.StatusRestarting {
			return router.ErrNotModified
		}
		if _, err := e.Stop(c.ID, t); err != nil {
			return router.ContainerErr(id, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *containersAPI) restartContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	t, err := stopTimeout(r)
	if err != nil {
		return err
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if _, err := e.Stop(id, t); err != nil {
			return router.ContainerErr(id, err)
		}
		if _, err := e.Start(context.WithoutCancel(r.Context()), id); err != nil {
			return router.ContainerErr(id, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *containersAPI) killContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	sig := unix.SIGKILL
	if v := r.URL.Query().Get("signal"); v != "" {
		var err error
		if sig, err = signals.Parse(v); err != nil {
			return router.BadRequest("%v", err)
		}
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if _, err := e.Kill(id, sig); err != nil {
			return router.ContainerErr(id, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *containersAPI) pauseContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		op := e.Pause
		if strings.HasSuffix(r.URL.Path, "/unpause") {
			op = e.Unpause
		}
		if err := op(id); err != nil {
			return router.ContainerErr(id, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *containersAPI) renameContainer(w http.ResponseWriter, r *http.Request) error {
	id, name := r.PathValue("id"), r.URL.Query().Get("name")
	if name == "" {
		return router.BadRequest("name is required")
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		if err := e.Rename(id, name); err != nil {
			return router.ContainerErr(id, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *containersAPI) removeContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		force := router.BoolQuery(r, "force")
		if c.Running() && !force {
			return router.Conflict("You cannot remove a running container %s. Stop the container before attempting removal or force remove", c.ID)
		}
		if err := e.Remove(context.WithoutCancel(r.Context()), c.ID, lifecycle.RemoveOptions{Force: force, Volumes: router.BoolQuery(r, "v")}); err != nil {
			return router.ContainerErr(id, err)
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

func (s *containersAPI) pruneContainers(w http.ResponseWriter, r *http.Request) error {
	fs, err := router.FilterArgs(r.URL.Query().Get("filters"))
	if err != nil {
		return err
	}
	f, err := filters.ParsePrune(fs, time.Now())
	if err != nil {
		return router.BadRequest("%v", err)
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		rep, err := e.System().PruneContainers(r.Context(), f)
		if err != nil {
			return err
		}
		if rep.Deleted == nil {
			rep.Deleted = []string{}
		}
		return router.WriteJSON(w, http.StatusOK, container.PruneReport{ContainersDeleted: rep.Deleted, SpaceReclaimed: uint64(rep.Reclaimed)})
	})
}

// startErr words a process that could not be started as Docker's daemon
// does, since clients read the words: docker run exits 127 for
// "executable file not found" or "no such file or directory" and 126 for
// "permission denied".
func startErr(id string, err error) error {
	var se *errdefs.StatusError
	var xe *errdefs.ExecError
	isStatus, isExec := errors.As(err, &se), errors.As(err, &xe)
	if !isStatus && !isExec {
		return router.ContainerErr(id, err)
	}
	msg := err.Error()
	var reason errdefs.ExecReason
	if xe != nil {
		reason = xe.Reason
	}
	switch reason {
	case errdefs.ExecNotExecutable:
		msg = strings.ReplaceAll(msg, "Permission denied", "permission denied")
		if !strings.Contains(msg, "permission denied") {
			msg += ": permission denied"
		}
	case errdefs.ExecNotFound:
		msg = strings.ReplaceAll(msg, "No such file or directory", "no such file or directory")
		if !strings.Contains(msg, "executable file not found") && !strings.Contains(msg, "no such file or directory") {
			msg += ": no such file or directory"
		}
	}
	return &router.HTTPError{Status: http.StatusBadRequest, Msg: msg, Err: err}
}

// topContainer is GET /containers/{id}/top?ps_args=: ps of its processes.
func (s *containersAPI) topContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		res, err := e.Top(c.ID, strings.Fields(r.URL.Query().Get("ps_args")))
		if err != nil {
			return router.ContainerErr(id, err)
		}
		return router.WriteJSON(w, http.StatusOK, container.TopResponse{Titles: res.Titles, Processes: res.Processes})
	})
}

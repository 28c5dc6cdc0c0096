package router

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/volume"
)

// HTTPError is an error with the status Docker answers it with.
type HTTPError struct {
	Status int
	Msg    string
	Err    error
}

func (e *HTTPError) Error() string { return e.Msg }
func (e *HTTPError) Unwrap() error { return e.Err }

func BadRequest(format string, a ...any) error {
	return &HTTPError{Status: http.StatusBadRequest, Msg: fmt.Sprintf(format, a...)}
}

func Conflict(format string, a ...any) error {
	return &HTTPError{Status: http.StatusConflict, Msg: fmt.Sprintf(format, a...)}
}

// notModified is start of a running or stop of a stopped container: Docker
// answers 304 with no body.
var ErrNotModified = &HTTPError{Status: http.StatusNotModified}

// NoSuchContainer words a missing container as Docker's daemon does.
func NoSuchContainer(ref string, err error) error {
	return &HTTPError{Status: http.StatusNotFound, Msg: "No such container: " + ref, Err: err}
}

// ContainerErr maps an engine error about container ref to Docker's status.
func ContainerErr(ref string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return NoSuchContainer(ref, err)
	}
	return err
}

// StatusOf picks Docker's status for err: typed errors first, then the
// kinds the engine and its stores return.
func StatusOf(err error) (int, string) {
	var he *HTTPError
	if errors.As(err, &he) {
		return he.Status, he.Msg
	}
	var se *errdefs.StateError
	var inr *image.NotFoundError
	switch {
	case errors.As(err, &inr):
		return http.StatusNotFound, "No such image: " + inr.Ref
	case errors.Is(err, image.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, store.ErrNotFound), errors.Is(err, network.ErrNotFound), errors.Is(err, volume.ErrNotFound):
		return http.StatusNotFound, err.Error()
	case errors.Is(err, store.ErrNameInUse), errors.As(err, &se):
		return http.StatusConflict, err.Error()
	case strings.Contains(err.Error(), "in use") || strings.Contains(err.Error(), "already exists"):
		return http.StatusConflict, err.Error()
	}
	return http.StatusInternalServerError, err.Error()
}

// WriteError answers with Docker's {"message": "..."} body.
func WriteError(w http.ResponseWriter, err error) {
	status, msg := StatusOf(err)
	if status == http.StatusNotModified {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// FilterArgs turns Docker's filters parameter, {"status":["exited"]} or
// the old {"status":{"exited":true}}, into berth's key=value filters,
// sorted so that a filter's order does not depend on a map.
func FilterArgs(raw string) ([]string, error) {
	if raw == "" {
		return nil, nil
	}
	var lists map[string][]string
	if err := json.Unmarshal([]byte(raw), &lists); err != nil {
		var sets map[string]map[string]bool
		if err2 := json.Unmarshal([]byte(raw), &sets); err2 != nil {
			return nil, BadRequest("invalid filters %q: %v", raw, err)
		}
		lists = map[string][]string{}
		for k, set := range sets {
			for v, on := range set {
				if on {
					lists[k] = append(lists[k], v)
				}
			}
		}
	}
	var out []string
	for k, vs := range lists {
		for _, v := range vs {
			out = append(out, k+"="+v)
		}
	}
	sort.Strings(out)
	return out, nil
}

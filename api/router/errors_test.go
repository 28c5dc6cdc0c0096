package router

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/berth-containers/berth/engine/errdefs"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
)

func TestStatusOf(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		msg    string
	}{
		{"container", NoSuchContainer("c1", store.ErrNotFound), http.StatusNotFound, "No such container: c1"},
		{"image", fmt.Errorf("create: %w", &image.NotFoundError{Ref: "x:1"}), http.StatusNotFound, "No such image: x:1"},
		{"name", fmt.Errorf("conflict: %w", store.ErrNameInUse), http.StatusConflict, "conflict: name already in use"},
		{"state", &errdefs.StateError{Msg: "container c is not running"}, http.StatusConflict, "container c is not running"},
		{"bad", BadRequest("bad %d", 1), http.StatusBadRequest, "bad 1"},
		{"other", errors.New("disk on fire"), http.StatusInternalServerError, "disk on fire"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, msg := StatusOf(tc.err)
			if status != tc.status || msg != tc.msg {
				t.Errorf("statusOf = %d %q, want %d %q", status, msg, tc.status, tc.msg)
			}
		})
	}
}

func TestFilterArgs(t *testing.T) {
	for _, tc := range []struct {
		raw  string
		want []string
		err  bool
	}{
		{"", nil, false},
		{`{"status":["exited","created"]}`, []string{"status=created", "status=exited"}, false},
		{`{"name":{"web":true,"db":false}}`, []string{"name=web"}, false},
		{`{"name":`, nil, true},
	} {
		got, err := FilterArgs(tc.raw)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("filterArgs(%q) = %v, %v; want %v (error %v)", tc.raw, got, err, tc.want, tc.err)
		}
	}
}

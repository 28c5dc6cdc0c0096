package volumes

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-containers/berth/api/router"
)

func serve(t *testing.T, r *router.Router, method, path, body string) (int, []byte) {
	t.Helper()
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(method, path, strings.NewReader(body)))
	return w.Code, w.Body.Bytes()
}

// TestRequestErrors covers what is refused before the engine is opened.
func TestRequestErrors(t *testing.T) {
	r := router.New(router.Options{Root: t.TempDir()})
	Register(r)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"other driver", "POST", "/volumes/create", `{"Name":"v","Driver":"nfs"}`, 400, "only the local volume driver"},
		{"driver opts", "POST", "/volumes/create", `{"Name":"v","DriverOpts":{"type":"tmpfs"}}`, 400, "takes no options"},
		{"bad json", "POST", "/volumes/create", `{"Name":`, 400, "invalid JSON"},
		{"bad name", "POST", "/volumes/create", `{"Name":"../x"}`, 400, ""},
		{"missing", "GET", "/volumes/nope", "", 404, "get nope: no such volume"},
		{"list bad filters", "GET", "/volumes?filters=%7Bx", "", 400, "invalid filters"},
		{"prune bad filters", "POST", "/volumes/prune?filters=%7Bx", "", 400, "invalid filters"},
		{"prune bad key", "POST", `/volumes/prune?filters={"dangling":["true"]}`, "", 400, "invalid filter 'dangling'"},
		{"prune bad until", "POST", `/volumes/prune?filters={"until":["soon"]}`, "", 400, "until=soon"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := serve(t, r, tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			var e struct{ Message string }
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("error body %q: %v", body, err)
			}
			if !strings.Contains(e.Message, tc.msg) {
				t.Errorf("message %q, want %q", e.Message, tc.msg)
			}
		})
	}
}

// TestCreateInspect checks the JSON shape Docker's clients read and that
// create is idempotent on a name, as Docker's is.
func TestCreateInspect(t *testing.T) {
	root := t.TempDir()
	r := router.New(router.Options{Root: root})
	Register(r)
	type vol struct {
		Name, Driver, Mountpoint, Scope, CreatedAt string
		Labels                                     map[string]string
	}
	decode := func(b []byte) vol {
		t.Helper()
		var v vol
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		return v
	}
	status, body := serve(t, r, "POST", "/volumes/create", `{"Name":"data","Driver":"local","Labels":{"a":"b"}}`)
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	v := decode(body)
	if v.Name != "data" || v.Driver != "local" || v.Scope != "local" || v.Labels["a"] != "b" || v.CreatedAt == "" ||
		!strings.HasPrefix(v.Mountpoint, root+"/") {
		t.Errorf("create = %s", body)
	}
	status, body = serve(t, r, "POST", "/volumes/create", `{"Name":"data","Labels":{"other":"x"}}`)
	if again := decode(body); status != 201 || again.Labels["a"] != "b" || again.Labels["other"] != "" || again.CreatedAt != v.CreatedAt {
		t.Errorf("create again: %d %s, want the first volume", status, body)
	}
	status, body = serve(t, r, "GET", "/volumes/data", "")
	if status != 200 || decode(body).Mountpoint != v.Mountpoint {
		t.Errorf("inspect: %d %s", status, body)
	}
	// No labels given: {} as Docker answers, not null.
	status, body = serve(t, r, "POST", "/volumes/create", `{}`)
	if status != 201 || !strings.Contains(string(body), `"Labels":{}`) || decode(body).Name == "" {
		t.Errorf("anonymous create: %d %s", status, body)
	}
}

package system

import (
	"bufio"
	"encoding/json"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/internal/eventlog"
)

func newTestRouter(t *testing.T, opts router.Options) *router.Router {
	t.Helper()
	r := router.New(opts)
	Register(r)
	RegisterEvents(r)
	return r
}

func TestPing(t *testing.T) {
	r := newTestRouter(t, router.Options{Root: t.TempDir()})
	for _, method := range []string{"GET", "HEAD"} {
		t.Run(method, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(method, "/_ping", nil))
			want := "OK"
			if method == "HEAD" {
				want = ""
			}
			h := w.Header()
			if w.Code != 200 || w.Body.String() != want {
				t.Errorf("%d %q, want 200 %q", w.Code, w.Body, want)
			}
			// The CLI picks the classic builder from Builder-Version.
			if h.Get("Builder-Version") != "1" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") ||
				h.Get("Cache-Control") == "" || h.Get("Pragma") != "no-cache" {
				t.Errorf("headers %v", h)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	for _, tc := range []struct{ name, version, want string }{
		{"release", "1.2.3", "1.2.3"},
		{"unset", "", "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newTestRouter(t, router.Options{Root: t.TempDir(), Version: tc.version, GitCommit: "abc123"})
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", "/version", nil))
			var v struct {
				Platform                           struct{ Name string }
				Version, ApiVersion, MinAPIVersion string
				GitCommit, GoVersion, Os, Arch     string
				Components                         []struct {
					Name, Version string
					Details       map[string]string
				}
			}
			if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
				t.Fatalf("%s: %v", w.Body, err)
			}
			if w.Code != 200 || v.Version != tc.want || v.ApiVersion != router.MaxVersion || v.MinAPIVersion != router.MinVersion ||
				v.GitCommit != "abc123" || v.Os != runtime.GOOS || v.Arch != runtime.GOARCH || v.GoVersion != runtime.Version() ||
				v.Platform.Name != "berth" {
				t.Errorf("version = %s", w.Body)
			}
			if len(v.Components) != 1 || v.Components[0].Name != "Engine" || v.Components[0].Version != tc.want ||
				v.Components[0].Details["ApiVersion"] != router.MaxVersion {
				t.Errorf("components = %+v", v.Components)
			}
		})
	}
}

func TestEventsRefused(t *testing.T) {
	r := newTestRouter(t, router.Options{Root: t.TempDir()})
	for _, tc := range []struct{ name, query, msg string }{
		{"bad since", "since=yesterday-ish", "invalid value for since"},
		{"bad until", "until=x", "invalid value for until"},
		{"since after until", "since=200&until=100", "`since` time (200) cannot be after `until` (100)"},
		{"bad filters", "filters=%7B", "invalid filters"},
		{"unknown filter key", "filters=%7B%22colour%22%3A%5B%22red%22%5D%7D", "invalid filter 'colour'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", "/events?"+tc.query, nil))
			var e struct{ Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if w.Code != 400 || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("%d %q, want 400 with %q", w.Code, e.Message, tc.msg)
			}
		})
	}
}

// TestEventsPast reads a log that ends before until: the stream is the
// matching events as Docker's messages, and then it ends.
func TestEventsPast(t *testing.T) {
	root := t.TempDir()
	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	log := eventlog.Open(root)
	for i, ev := range []eventlog.Event{
		{Type: "container", Action: "start", Actor: eventlog.Actor{ID: "c1", Attributes: map[string]string{"image": "busybox", "name": "web"}}},
		{Type: "image", Action: "pull", Actor: eventlog.Actor{ID: "busybox:latest"}},
		{Type: "container", Action: "die", Actor: eventlog.Actor{ID: "c1", Attributes: map[string]string{"image": "busybox", "name": "web"}}},
	} {
		ev.Time = base.Add(time.Duration(i) * time.Second)
		if err := log.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	until := strconv.FormatInt(base.Add(time.Minute).Unix(), 10)
	r := newTestRouter(t, router.Options{Root: root})
	for _, tc := range []struct {
		name, query string
		want        []string // status of each message
	}{
		{"all", "", []string{"start", "pull", "die"}},
		{"by type", `&filters={"type":["container"]}`, []string{"start", "die"}},
		{"by event", `&filters={"event":{"die":true}}`, []string{"die"}},
		{"since", "&since=" + strconv.FormatInt(base.Add(time.Second).Unix(), 10), []string{"pull", "die"}},
		{"none", `&filters={"container":["other"]}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("GET", "/events?until="+until+tc.query, nil))
			if w.Code != 200 || w.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%d %v", w.Code, w.Header())
			}
			var got []string
			sc := bufio.NewScanner(w.Body)
			for sc.Scan() {
				var m struct {
					Status, Type, Action string
					Time                 int64  `json:"time"`
					TimeNano             int64  `json:"timeNano"`
					Scope                string `json:"scope"`
				}
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Fatalf("line %q: %v", sc.Bytes(), err)
				}
				if m.Scope != "local" || m.Time == 0 || m.TimeNano/1e9 != m.Time || m.Action != m.Status {
					t.Errorf("message %s", sc.Bytes())
				}
				got = append(got, m.Status)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("events %q, want %q", got, tc.want)
			}
		})
	}
}

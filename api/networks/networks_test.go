package networks

import (
	"encoding/json"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/network"
)

// TestCreateRefused covers the requests refused before the engine opens.
func TestCreateRefused(t *testing.T) {
	r := router.New(router.Options{Root: t.TempDir()})
	Register(r)
	for _, tc := range []struct{ name, body, msg string }{
		{"no name", `{"Driver":"bridge"}`, "network name is required"},
		{"ipv6", `{"Name":"n","EnableIPv6":true}`, "IPv4 only"},
		{"options", `{"Name":"n","Options":{"com.docker.network.bridge.name":"br9"}}`, "driver options are not supported"},
		{"two subnets", `{"Name":"n","IPAM":{"Config":[{"Subnet":"10.9.0.0/24"},{"Subnet":"10.9.1.0/24"}]}}`, "one subnet and no IP range"},
		{"ip range", `{"Name":"n","IPAM":{"Config":[{"Subnet":"10.9.0.0/24","IPRange":"10.9.0.128/25"}]}}`, "one subnet and no IP range"},
		{"bad json", `{"Name":`, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest("POST", "/networks/create", strings.NewReader(tc.body)))
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

func TestNetworkJSON(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	n := network.Network{Name: "app", ID: "abc", Driver: "bridge", Created: created, Internal: true,
		Subnet: netip.MustParsePrefix("10.88.1.0/24"), Gateway: netip.MustParseAddr("10.88.1.1")}
	eps := []network.Endpoint{{ContainerID: "c1", Name: "web", MAC: "02:42:0a:58:01:02", IP: netip.MustParseAddr("10.88.1.2"), Prefix: 24}}
	for _, tc := range []struct {
		name string
		n    network.Network
		eps  []network.Endpoint
		want string
	}{
		{"bridge with endpoint", n, eps, `{"Name":"app","Id":"abc","Created":"2026-01-02T03:04:05.000000006Z","Scope":"local",` +
			`"Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},` +
			`"Config":[{"Gateway":"10.88.1.1","Subnet":"10.88.1.0/24"}]},"Internal":true,"Attachable":false,"Ingress":false,` +
			`"ConfigOnly":false,"Containers":{"c1":{"Name":"web","EndpointID":"c1","MacAddress":"02:42:0a:58:01:02",` +
			`"IPv4Address":"10.88.1.2/24","IPv6Address":""}},"Options":{},"Labels":{}}`},
		// host and none have no subnet: [] and {} where Docker has them, never null.
		{"no subnet", network.Network{Name: "none", ID: "n0", Driver: "null", Created: created, Labels: map[string]string{"k": "v"}}, nil,
			`{"Name":"none","Id":"n0","Created":"2026-01-02T03:04:05.000000006Z","Scope":"local","Driver":"null","EnableIPv6":false,` +
				`"IPAM":{"Driver":"default","Options":{},"Config":[]},"Internal":false,"Attachable":false,"Ingress":false,` +
				`"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{"k":"v"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(toNetworkJSON(tc.n, tc.eps))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}

// TestListFilters: GET /networks takes network ls's filters (docker-py's
// networks.list(names=...) sends name) and refuses an unknown key.
func TestListFilters(t *testing.T) {
	r := router.New(router.Options{Root: t.TempDir(), Runroot: t.TempDir()})
	Register(r)
	for _, tc := range []struct {
		query string
		code  int
		want  string
	}{
		{`{"name":["none"]}`, 200, "none"},
		{`{"driver":{"host":true}}`, 200, "host"},
		{`{"type":["builtin"],"name":["o"]}`, 200, "host none"},
		{`{"bogus":["x"]}`, 400, "invalid filter 'bogus'"},
	} {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/networks?filters="+url.QueryEscape(tc.query), nil))
		if w.Code != tc.code {
			t.Errorf("GET /networks?filters=%s: %d %s, want %d", tc.query, w.Code, w.Body, tc.code)
			continue
		}
		if tc.code != 200 {
			if !strings.Contains(w.Body.String(), tc.want) {
				t.Errorf("GET /networks?filters=%s: %s, want %q", tc.query, w.Body, tc.want)
			}
			continue
		}
		var list []struct{ Name string }
		if err := json.Unmarshal(w.Body.Bytes(), &list); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, n := range list {
			names = append(names, n.Name)
		}
		if got := strings.Join(names, " "); got != tc.want {
			t.Errorf("GET /networks?filters=%s = %q, want %q", tc.query, got, tc.want)
		}
	}
}

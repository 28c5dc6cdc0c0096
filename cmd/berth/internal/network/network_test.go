package network

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/berth-containers/berth/engine/options"
	"github.com/berth-containers/berth/network"
)

// TestRegisterNetworkFlags: run's and create's network flags land in the
// options Docker's CLI would give them, --net being --network's alias.
func TestRegisterNetworkFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string // fmt of Network and NetworkOptions
	}{
		{nil, `"" {IP: IP6: Aliases:[] AddHosts:[] DNS:[] DNSSearch:[] DNSOptions:[] Publish:[] PublishAll:false}`},
		{[]string{"--net", "host"}, `"host" {IP: IP6: Aliases:[] AddHosts:[] DNS:[] DNSSearch:[] DNSOptions:[] Publish:[] PublishAll:false}`},
		{[]string{"--network", "web", "--ip", "10.1.0.5", "--network-alias", "a", "--network-alias", "b"},
			`"web" {IP:10.1.0.5 IP6: Aliases:[a b] AddHosts:[] DNS:[] DNSSearch:[] DNSOptions:[] Publish:[] PublishAll:false}`},
		{[]string{"-p", "8080:80", "-p", "53:53/udp", "-P", "--add-host", "db:10.0.0.2", "--dns", "1.1.1.1", "--dns-search", "lan", "--dns-option", "ndots:2"},
			`"" {IP: IP6: Aliases:[] AddHosts:[db:10.0.0.2] DNS:[1.1.1.1] DNSSearch:[lan] DNSOptions:[ndots:2] Publish:[8080:80 53:53/udp] PublishAll:true}`},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
			var o options.CreateOptions
			RegisterNetworkFlags(fs, &o)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%q %+v", o.Network, o.NetworkOptions); got != tc.want {
				t.Errorf("options = %s\nwant      %s", got, tc.want)
			}
		})
	}
	fs := pflag.NewFlagSet("run", pflag.ContinueOnError)
	RegisterNetworkFlags(fs, &options.CreateOptions{})
	if !fs.Lookup("net").Hidden {
		t.Error("--net is shown in help; Docker hides it")
	}
}

// TestPredefinedInspect: host and none inspect as Docker shows them, with
// empty (not null) maps and lists, which scripts index into.
func TestPredefinedInspect(t *testing.T) {
	for _, name := range []string{"host", "none"} {
		t.Run(name, func(t *testing.T) {
			n, ok := network.LookupPredefined(name)
			if !ok {
				t.Fatalf("LookupPredefined(%q): not found", name)
			}
			b, err := json.Marshal(predefinedInspect(n))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{
				"Name": name, "Id": n.ID, "Driver": name, "Scope": "local", "Attachable": false,
				"Created": "0001-01-01T00:00:00Z", "Containers": map[string]any{}, "Options": map[string]any{},
				"Labels": map[string]any{},
				"IPAM":   map[string]any{"Driver": "default", "Options": map[string]any{}, "Config": []any{}},
			}
			if name == "none" {
				want["Driver"] = "null"
			}
			for k, w := range want {
				if fmt.Sprint(got[k]) != fmt.Sprint(w) || (w != nil && got[k] == nil) {
					t.Errorf("%s = %#v, want %#v", k, got[k], w)
				}
			}
			if len(n.ID) != 64 {
				t.Errorf("Id = %q, want 64 hex digits", n.ID)
			}
		})
	}
}

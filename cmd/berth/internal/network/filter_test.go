package network

import (
	"testing"

	"github.com/berth-containers/berth/network"
)

func TestNetworkFilter(t *testing.T) {
	bridge := network.Network{Name: network.DefaultName, ID: "abc123", Driver: "bridge"}
	mine := network.Network{Name: "mynet", ID: "def456", Driver: "bridge", Labels: map[string]string{"team": "a"}}
	for _, tt := range []struct {
		args        []string
		err         string
		bridge, own bool
	}{
		{nil, "", true, true},
		{[]string{"type=custom"}, "", false, true},
		{[]string{"type=builtin"}, "", true, false},
		{[]string{"name=my", "label=team=a"}, "", false, true},
		{[]string{"id=abc"}, "", true, false},
		{[]string{"name=my", "id=abc"}, "", false, false}, // every filter must match
		{[]string{"driver=bridge"}, "", true, true},
		{[]string{"type=other"}, "invalid filter: 'type'='other'", false, false},
		{[]string{"scope=local"}, "invalid filter 'scope'", false, false},
		{[]string{"name"}, "bad format of filter (expected name=value): name", false, false},
	} {
		match, err := networkFilter(tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("networkFilter(%q) error %v; want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("networkFilter(%q): %v", tt.args, err)
		}
		if match(bridge) != tt.bridge || match(mine) != tt.own {
			t.Errorf("networkFilter(%q): bridge %v mynet %v; want %v %v", tt.args, match(bridge), match(mine), tt.bridge, tt.own)
		}
	}
}

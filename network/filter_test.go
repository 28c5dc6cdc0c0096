package network

import "testing"

func TestListFilter(t *testing.T) {
	nets := []Network{
		{Name: DefaultName, ID: "aaa1", Driver: "bridge"},
		{Name: "app_front", ID: "bbb2", Driver: "bridge", Labels: map[string]string{"tier": "front", "x": "1"}},
		{Name: "app_back", ID: "ccc3", Driver: "bridge", Labels: map[string]string{"tier": "back"}},
	}
	nets = append(nets, Predefined()...)
	for _, tc := range []struct {
		filters []string
		want    string
	}{
		{nil, "bridge app_front app_back host none"},
		{[]string{"name=app"}, "app_front app_back"},
		{[]string{"name=front", "name=back"}, "app_front app_back"},
		{[]string{"id=bb"}, "app_front"},
		{[]string{"driver=null"}, "none"},
		{[]string{"label=tier"}, "app_front app_back"},
		{[]string{"label=tier=front", "label=x=1"}, "app_front"},
		{[]string{"label=tier=front", "label=x=2"}, ""},
		{[]string{"type=builtin"}, "bridge host none"},
		{[]string{"type=custom", "name=back"}, "app_back"},
	} {
		match, err := ListFilter(tc.filters)
		if err != nil {
			t.Fatalf("ListFilter(%q): %v", tc.filters, err)
		}
		got := ""
		for _, n := range nets {
			if match(n) {
				if got != "" {
					got += " "
				}
				got += n.Name
			}
		}
		if got != tc.want {
			t.Errorf("ListFilter(%q) matched %q, want %q", tc.filters, got, tc.want)
		}
	}
	for _, bad := range [][]string{{"type=other"}, {"bogus=1"}, {"name"}} {
		if _, err := ListFilter(bad); err == nil {
			t.Errorf("ListFilter(%q) accepted", bad)
		}
	}
}

func TestListFilterErrors(t *testing.T) {
	bridge := Network{Name: DefaultName, ID: "abc123", Driver: "bridge"}
	mine := Network{Name: "mynet", ID: "def456", Driver: "bridge", Labels: map[string]string{"team": "a"}}
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
		match, err := ListFilter(tt.args)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ListFilter(%q) error %v; want %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("ListFilter(%q): %v", tt.args, err)
		}
		if match(bridge) != tt.bridge || match(mine) != tt.own {
			t.Errorf("ListFilter(%q): bridge %v mynet %v; want %v %v", tt.args, match(bridge), match(mine), tt.bridge, tt.own)
		}
	}
}

package record

import "testing"

func TestPortMapping(t *testing.T) {
	for _, tc := range []struct {
		m    PortMapping
		want string
	}{
		{PortMapping{"80/tcp", PortBinding{"", "8080"}}, "80/tcp -> 0.0.0.0:8080"},
		{PortMapping{"53/udp", PortBinding{"127.0.0.1", "5353"}}, "53/udp -> 127.0.0.1:5353"},
		{PortMapping{"80/tcp", PortBinding{"::", "80"}}, "80/tcp -> [::]:80"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%+v: %q", tc.m, got)
		}
	}
}

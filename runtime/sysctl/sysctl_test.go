package sysctl

import (
	"strings"
	"testing"
)

func TestSysctlPath(t *testing.T) {
	tests := []struct{ name, want, err string }{
		{"net.ipv4.ip_forward", "net/ipv4/ip_forward", ""},
		{"kernel.domainname", "kernel/domainname", ""},
		{"kernel..x", "", "invalid"},
		{"net/../../etc", "", "invalid"},
		{".kernel", "", "invalid"},
		{"kernel.", "", "invalid"},
		{"", "", "invalid"},
	}
	for _, tt := range tests {
		got, err := Path(tt.name)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Path(%q) error = %v, want one containing %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Path(%q) = %q, %v, want %q", tt.name, got, err, tt.want)
		}
	}
}

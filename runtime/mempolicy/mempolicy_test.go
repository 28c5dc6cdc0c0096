package mempolicy

import (
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   specs.LinuxMemoryPolicy
		want Policy
	}{
		{specs.LinuxMemoryPolicy{Mode: specs.MpolDefault}, Policy{mode: unix.MPOL_DEFAULT}},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0-2,5,70", Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}},
			Policy{mode: unix.MPOL_BIND | unix.MPOL_F_STATIC_NODES, mask: []uint64{0b100111, 1 << 6}, nodes: 5}},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolPreferred}, Policy{mode: unix.MPOL_PREFERRED}},
		{specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "1,1"}, Policy{mode: unix.MPOL_INTERLEAVE, mask: []uint64{2}, nodes: 1}},
	}
	for _, tt := range tests {
		got, err := Parse(&tt.in)
		if err != nil || !reflect.DeepEqual(*got, tt.want) {
			t.Errorf("Parse(%+v) = %+v, %v, want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []specs.LinuxMemoryPolicy{{Mode: specs.MpolBind, Nodes: "3-1"}, {Mode: specs.MpolBind, Nodes: "x"},
		{Mode: specs.MpolBind, Nodes: "1024"}, {Mode: specs.MpolLocal, Nodes: "0"}, {Mode: specs.MpolPreferredMany}} {
		if _, err := Parse(&bad); err == nil {
			t.Errorf("Parse(%+v) succeeded, want an error", bad)
		}
	}
}

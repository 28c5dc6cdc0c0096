package userns

import (
	"fmt"
	"io/fs"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestArgs(t *testing.T) {
	tests := []struct {
		name string
		m    []specs.LinuxIDMapping
		want []string
	}{
		{"none", nil, []string{}},
		{"one", []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}, []string{"0", "1000", "1"}},
		{"ranges", []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 65536}},
			[]string{"0", "1000", "1", "1", "100000", "65536"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Args(tt.m); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Args = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSelfOnly(t *testing.T) {
	tests := []struct {
		m    []specs.LinuxIDMapping
		want bool
	}{
		{nil, true},
		{[]specs.LinuxIDMapping{{HostID: 1000, Size: 1}}, true},
		{[]specs.LinuxIDMapping{{HostID: 1000, Size: 2}}, false},
		{[]specs.LinuxIDMapping{{HostID: 1001, Size: 1}}, false},
		{[]specs.LinuxIDMapping{{HostID: 1000, Size: 1}, {ContainerID: 1, HostID: 100000, Size: 10}}, false},
	}
	for i, tt := range tests {
		if got := selfOnly(tt.m, 1000); got != tt.want {
			t.Errorf("%d: selfOnly(%v) = %v", i, tt.m, got)
		}
	}
}

func TestIgnoreCgroupError(t *testing.T) {
	err := fmt.Errorf("create cgroup: %w", fs.ErrPermission)
	if got := IgnoreCgroupError(err); got != Rootless() {
		t.Errorf("IgnoreCgroupError(permission) = %v as euid root=%v", got, !Rootless())
	}
}

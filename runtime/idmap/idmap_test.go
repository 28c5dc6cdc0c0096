package idmap

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestPlan(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("plan refuses id-mapped mounts to an unprivileged runtime")
	}
	m := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
	s := &specs.Spec{
		Mounts: []specs.Mount{
			{Destination: "/plain", Type: "bind", Source: "/a", Options: []string{"bind"}},
			{Destination: "/own", Source: "rel", Options: []string{"rbind"}, UIDMappings: m, GIDMappings: m},
			{Destination: "/implied", Type: "bind", Source: "/b", Options: []string{"rbind", "ridmap"}},
			{Destination: "/same", Type: "bind", Source: "/c", Options: []string{"bind"}, UIDMappings: m, GIDMappings: m},
		},
		Linux: &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.UserNamespace}},
			UIDMappings: []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}, GIDMappings: []specs.LinuxIDMapping{{HostID: 100000, Size: 65536}}},
	}
	reqs, err := plan(s, "/bundle")
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 3 || reqs[0].idx != 1 || reqs[0].src != "/bundle/rel" || !reqs[0].bindRec || reqs[0].idRec {
		t.Fatalf("plan: %+v", reqs)
	}
	if !reqs[1].idRec || reqs[1].key == reqs[0].key || reqs[1].uids[0].HostID != 100000 {
		t.Errorf("ridmap without mappings takes the container's: %+v", reqs[1])
	}
	if reqs[2].key != reqs[0].key {
		t.Errorf("the same mappings should share a user namespace: %q, %q", reqs[2].key, reqs[0].key)
	}
	s.Linux.Namespaces[0].Path = "/proc/1/ns/user"
	if reqs, err = plan(s, "/bundle"); err != nil || reqs[1].nsPath != "/proc/1/ns/user" {
		t.Errorf("a joined user namespace is opened by path: %+v, %v", reqs, err)
	}
	s.Linux = nil
	if _, err := plan(s, "/bundle"); err == nil || !strings.Contains(err.Error(), "mounts[2]") {
		t.Errorf("idmap without mappings or user namespace: %v", err)
	}
}

package engine

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCIDFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cid")
	f, err := ReserveCIDFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReserveCIDFile(p); err == nil || !strings.Contains(err.Error(), "container ID file found") {
		t.Errorf("second reserve: %v", err)
	}
	if err := f.Write("abc"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(p); string(data) != "abc" {
		t.Errorf("cidfile: %q", data)
	}
	g, err := ReserveCIDFile(filepath.Join(dir, "other"))
	if err != nil {
		t.Fatal(err)
	}
	g.Abort()
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("abort left files: %v", entries)
	}
}

func TestInspectHostConfigDefaults(t *testing.T) {
	hc := HostConfig{NetworkMode: DefaultNetworkMode, Mounts: []Mount{
		{Type: "bind", Source: "/h", Destination: "/c", ReadOnly: true},
		{Type: "volume", Name: "v", Source: "/var/v", Destination: "/v"},
		{Type: "volume", Name: "anon", Source: "/var/a", Destination: "/a", Anonymous: true},
		{Type: "tmpfs", Source: "tmpfs", Destination: "/run", Options: "size=1m"},
	}}
	hc.DefaultNetwork = true
	in := inspectHostConfig(hc)
	if in.NetworkMode != "default" || in.PidsLimit != nil || in.ShmSize != defaultShmSize || in.IpcMode != "private" || in.CgroupnsMode != "host" {
		t.Errorf("defaults: %+v", in)
	}
	if !reflect.DeepEqual(in.Binds, []string{"/h:/c:ro", "v:/v"}) || !reflect.DeepEqual(in.Tmpfs, map[string]string{"/run": "size=1m"}) {
		t.Errorf("Binds %v Tmpfs %v", in.Binds, in.Tmpfs)
	}
	want := []InspectMount{
		{Type: "bind", Source: "/h", Destination: "/c", Mode: "ro", Propagation: "rprivate"},
		{Type: "volume", Name: "v", Source: "/var/v", Destination: "/v", Driver: "local", Mode: "z", RW: true},
		{Type: "volume", Name: "anon", Source: "/var/a", Destination: "/a", Driver: "local", RW: true},
	}
	var got []InspectMount
	for _, m := range hc.Mounts {
		if im, ok := inspectMount(m); ok {
			got = append(got, im)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Mounts\n got %+v\nwant %+v", got, want)
	}
}

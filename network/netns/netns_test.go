package netns

import (
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCreateRefusesNames(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"", "a/b", "../x", "/abs", ".", ".."} {
		if p, err := Create(dir, name); err == nil || !strings.Contains(err.Error(), "not a plain file name") {
			t.Errorf("Create(%q) = %q, %v; want a refusal", name, p, err)
		}
	}
	if names, err := List(dir); err != nil || len(names) != 0 {
		t.Errorf("List after refusals = %q, %v; want nothing made", names, err)
	}
}

func TestListMissingDir(t *testing.T) {
	names, err := List(filepath.Join(t.TempDir(), "none"))
	if err != nil || names != nil {
		t.Errorf("List of a missing dir = %q, %v; want nil, nil", names, err)
	}
}

func TestDoRefuses(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ran := false
	for _, p := range []string{filepath.Join(dir, "missing"), plain} {
		if err := Do(p, func() error { ran = true; return nil }); err == nil {
			t.Errorf("Do(%s): no error", p)
		}
	}
	if ran {
		t.Error("fn ran outside a namespace")
	}
	if IsNetNS(plain) {
		t.Errorf("IsNetNS(%s) on a plain file", plain)
	}
}

// TestLifecycle creates a namespace of its own, runs code in it and
// removes it: needs root (CAP_SYS_ADMIN) for unshare and the bind mount.
func TestLifecycle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := filepath.Join(t.TempDir(), "netns")
	path, err := Create(dir, "c1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := Remove(path); err != nil {
			t.Error(err)
		}
	})
	if path != filepath.Join(dir, "c1") || !IsNetNS(path) {
		t.Fatalf("Create = %s, IsNetNS %v", path, IsNetNS(path))
	}
	if _, err := Create(dir, "c1"); err == nil {
		t.Error("Create of a pinned name: no error")
	}
	if names, err := List(dir); err != nil || !reflect.DeepEqual(names, []string{"c1"}) {
		t.Errorf("List = %q, %v", names, err)
	}
	host, err := os.Readlink("/proc/thread-self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	var inside string
	var ifaces []string
	err = Do(path, func() error {
		var err error
		if inside, err = os.Readlink("/proc/thread-self/ns/net"); err != nil {
			return err
		}
		list, err := net.Interfaces()
		for _, i := range list {
			ifaces = append(ifaces, i.Name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// A new namespace has its loopback only, and it is not the host's.
	if inside == host || !reflect.DeepEqual(ifaces, []string{"lo"}) {
		t.Errorf("inside %s (host %s), interfaces %q", inside, host, ifaces)
	}
	if now, err := os.Readlink("/proc/thread-self/ns/net"); err != nil || now != host {
		t.Errorf("the calling thread is in %s after Do, want %s (%v)", now, host, err)
	}
	if err := Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) || IsNetNS(path) {
		t.Errorf("after Remove: stat %v", err)
	}
	if err := Remove(path); err != nil {
		t.Errorf("Remove again: %v, want nil", err)
	}
}

package criu

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestRestoreRequest: the dump's pipes become inherited fds keyed by their
// names, other descriptors do not, and the root is the one given.
func TestRestoreRequest(t *testing.T) {
	imgs, err := os.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer imgs.Close()
	c := &Container{Spec: &specs.Spec{Root: &specs.Root{Path: "rootfs"}}, Bundle: "/b", Rootfs: "/b/rootfs"}
	fds := []string{"/dev/null", "pipe:[123]", "pipe:[456]"}
	req, err := RestoreRequest(c, &Options{}, imgs, nil, "/croot", fds, &Session{})
	if err != nil {
		t.Fatal(err)
	}
	o := req.GetOpts()
	if req.GetType().String() != "RESTORE" || o.GetRoot() != "/croot" || !o.GetRstSibling() {
		t.Errorf("request %v", req)
	}
	if len(o.InheritFd) != 2 || o.InheritFd[0].GetKey() != "pipe:[123]" || o.InheritFd[0].GetFd() != 1 || o.InheritFd[1].GetFd() != 2 {
		t.Errorf("inherited fds %v", o.InheritFd)
	}
	c.Spec.Linux = &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.NetworkNamespace, Path: "/no/such/ns"}}}
	if _, err := RestoreRequest(c, &Options{}, imgs, nil, "/croot", nil, &Session{}); err == nil {
		t.Error("a missing network namespace was accepted")
	}
}

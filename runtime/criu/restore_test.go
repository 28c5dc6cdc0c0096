package criu

import (
	"os"
	"strings"
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

func TestCgroupRoots(t *testing.T) {
	cases := []struct {
		name, procCgroup string
		want             []string // ctrl=path, "" ctrl for criu's default root
	}{
		{"v2", "0::/c1\n", []string{"=/c1"}},
		{"hybrid: the controller-less cgroup2 is the default root",
			"12:pids:/c1\n4:cpu,cpuacct:/c1\n1:name=systemd:/c1\n0::/c1\n",
			[]string{"pids=/c1", "cpu=/c1", "cpuacct=/c1", "name=systemd=/c1", "=/c1"}},
		{"v1 only", "3:memory:/m\n2:freezer:/f\n", []string{"memory=/m", "freezer=/f"}},
		{"junk lines skipped", "\nnot a line\n0::/c\n", []string{"=/c"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, r := range cgroupRoots(c.procCgroup) {
				ctrl := ""
				if r.Ctrl != nil {
					ctrl = *r.Ctrl
				}
				got = append(got, ctrl+"="+*r.Path)
			}
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("cgroupRoots = %v, want %v", got, c.want)
			}
		})
	}
}

package usercgroup

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHighestWritable(t *testing.T) {
	svc := "/user.slice/user-1000.slice/user@1000.service"
	for _, tc := range []struct {
		name     string
		own      string
		writable []string
		want     string
		ok       bool
	}{
		{"systemd user service", svc + "/app.slice/x.scope", []string{svc, svc + "/app.slice", svc + "/app.slice/x.scope"}, svc, true},
		{"own cgroup only", svc + "/init.scope", []string{svc + "/init.scope"}, svc + "/init.scope", true},
		{"nothing writable", svc + "/init.scope", nil, "", false},
		// A writable cgroup above one that is not is not ours to use.
		{"gap stops the walk", "/a/b/c", []string{"/a", "/a/b/c"}, "/a/b/c", true},
		{"everything (root of a namespace)", "/a", []string{"/", "/a"}, "/", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := map[string]bool{}
			for _, w := range tc.writable {
				set[w] = true
			}
			got, ok := highestWritable(tc.own, func(p string) bool { return set[p] })
			if got != tc.want || ok != tc.ok {
				t.Errorf("got %q %v, want %q %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestOwnPath(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		text, want string
		bad        bool
	}{
		{"0::/user.slice/user-1000.slice/session-2.scope\n", "/user.slice/user-1000.slice/session-2.scope", false},
		{"12:pids:/x\n1:name=systemd:/y\n0::/\n", "/", false},
		{"12:pids:/x\n", "", true},
	} {
		p := filepath.Join(dir, "cgroup")
		if err := os.WriteFile(p, []byte(tc.text), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := ownPath(p)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("%q: %q %v, want %q", tc.text, got, err, tc.want)
		}
	}
}

func TestDelegation(t *testing.T) {
	d := &Delegation{Path: "/u/user@1000.service", Controllers: []string{"memory", "pids"}}
	if !d.Has("memory") || d.Has("cpu") {
		t.Errorf("Has: %v", d.Controllers)
	}
	if got := d.ContainerPath("abc"); got != "/u/user@1000.service/berth-abc" {
		t.Errorf("ContainerPath: %s", got)
	}
	// This host is hybrid or v2; either way Find answers without panicking,
	// and root's answer on a hybrid host says why there is none.
	if _, err := Find(); err != nil {
		if _, ok := err.(*NotDelegated); !ok {
			t.Errorf("Find: %T %v, want a *NotDelegated", err, err)
		}
	}
}

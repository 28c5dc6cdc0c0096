package execspec

import (
	"reflect"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestApply(t *testing.T) {
	base := &specs.Process{
		Args: []string{"sh"}, Env: []string{"PATH=/bin"}, Cwd: "/",
		User:         specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{10}},
		Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Inheritable: []string{"CAP_KILL"}},
		ConsoleSize:  &specs.Box{Height: 1, Width: 1},
	}
	for _, tc := range []struct {
		name  string
		flags Flags
		check func(*specs.Process) string
		err   string
	}{
		{"args env cwd", Flags{Args: []string{"ls"}, Env: []string{"A=1"}, Cwd: "/tmp", Terminal: true},
			func(p *specs.Process) string {
				if !reflect.DeepEqual(p.Args, []string{"ls"}) || !reflect.DeepEqual(p.Env, []string{"PATH=/bin", "A=1"}) ||
					p.Cwd != "/tmp" || !p.Terminal || p.ConsoleSize != nil {
					return "args, env, cwd, terminal or console size wrong"
				}
				return ""
			}, ""},
		{"user and groups", Flags{Args: []string{"id"}, User: "1000:100", AdditionalGids: []uint32{20}},
			func(p *specs.Process) string {
				if p.User.UID != 1000 || p.User.GID != 100 || !reflect.DeepEqual(p.User.AdditionalGids, []uint32{10, 20}) {
					return "user wrong"
				}
				return ""
			}, ""},
		{"uid alone", Flags{Args: []string{"id"}, User: "7"},
			func(p *specs.Process) string {
				if p.User.UID != 7 || p.User.GID != 0 {
					return "user wrong"
				}
				return ""
			}, ""},
		{"caps, ambient because inheritable", Flags{Args: []string{"x"}, Caps: []string{"net_admin", "CAP_KILL"}},
			func(p *specs.Process) string {
				c := p.Capabilities
				if !reflect.DeepEqual(c.Bounding, []string{"CAP_KILL", "CAP_NET_ADMIN"}) ||
					!reflect.DeepEqual(c.Ambient, []string{"CAP_NET_ADMIN", "CAP_KILL"}) ||
					!reflect.DeepEqual(c.Inheritable, []string{"CAP_KILL"}) {
					return "caps wrong"
				}
				return ""
			}, ""},
		{"bad user", Flags{Args: []string{"x"}, User: "root"}, nil, "numeric"},
	} {
		p, err := Apply(base, tc.flags)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if msg := tc.check(p); msg != "" {
			t.Errorf("%s: %s: %+v", tc.name, msg, p)
		}
	}
	// The base is the container's own process: Apply must not change it.
	if len(base.Env) != 1 || len(base.User.AdditionalGids) != 1 || len(base.Capabilities.Bounding) != 1 || base.ConsoleSize == nil {
		t.Errorf("Apply changed its base: %+v", base)
	}
	if _, err := Apply(nil, Flags{}); err == nil {
		t.Error("Apply(nil) succeeded, want an error")
	}
}

func TestBound(t *testing.T) {
	container := &specs.Spec{Process: &specs.Process{
		NoNewPrivileges: true, Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 10, Soft: 10}},
		Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}},
	}}
	for _, tc := range []struct {
		name  string
		p     specs.Process
		added []string
		err   string
	}{
		{"defaults cwd", specs.Process{Args: []string{"x"}}, nil, ""},
		{"no args", specs.Process{}, nil, "args must not be empty"},
		{"relative cwd", specs.Process{Args: []string{"x"}, Cwd: "tmp"}, nil, "absolute"},
		{"cap outside bounding", specs.Process{Args: []string{"x"}, Capabilities: &specs.LinuxCapabilities{Effective: []string{"CAP_SYS_ADMIN"}}}, nil, "not in the bounding set"},
		{"cap added by --cap", specs.Process{Args: []string{"x"}, Capabilities: &specs.LinuxCapabilities{Effective: []string{"CAP_SYS_ADMIN"}}}, []string{"sys_admin"}, ""},
	} {
		p := tc.p
		err := Bound(&p, container, tc.added)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if p.Cwd == "" || !p.NoNewPrivileges || len(p.Rlimits) != 1 {
			t.Errorf("%s: not bounded by the container: cwd %q, no_new_privs %v, rlimits %v", tc.name, p.Cwd, p.NoNewPrivileges, p.Rlimits)
		}
	}
}

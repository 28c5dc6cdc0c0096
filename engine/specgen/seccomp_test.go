package specgen

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/seccomp/bpfcache"
	"github.com/berth-containers/berth/runtime/spec"
)

// seccompFor runs the part of buildSpec that seccompProfile depends on.
func seccompFor(t testing.TB, hc record.HostConfig) *specs.Spec {
	t.Helper()
	s := spec.Default()
	caps := capabilities(hc, nil)
	s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Permitted: caps, Effective: caps}
	if err := seccompProfile(s, hc); err != nil {
		t.Fatal(err)
	}
	return s
}

// allows reports whether prof has an unconditional allow rule for name.
func allows(prof *specs.LinuxSeccomp, name string) bool {
	for _, sc := range prof.Syscalls {
		if sc.Action == specs.ActAllow && len(sc.Args) == 0 && slices.Contains(sc.Names, name) {
			return true
		}
	}
	return false
}

func TestSeccompProfile(t *testing.T) {
	custom := `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}`
	for _, tc := range []struct {
		name     string
		hc       record.HostConfig
		confined bool
		unshare  bool // unshare(2) allowed outright
	}{
		{"default", record.HostConfig{}, true, false},
		{"builtin", record.HostConfig{SecurityOpt: []string{"seccomp=builtin"}}, true, false},
		{"cap-add SYS_ADMIN", record.HostConfig{CapAdd: []string{"SYS_ADMIN"}}, true, true},
		{"cap-add ALL", record.HostConfig{CapAdd: []string{"ALL"}}, true, true},
		{"unconfined", record.HostConfig{SecurityOpt: []string{"seccomp=unconfined"}}, false, false},
		{"privileged", record.HostConfig{Privileged: true}, false, false},
		{"privileged with a profile", record.HostConfig{Privileged: true, SecurityOpt: []string{"seccomp=" + custom}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prof := seccompFor(t, tc.hc).Linux.Seccomp
			if (prof != nil) != tc.confined {
				t.Fatalf("profile %v, want confined=%v", prof != nil, tc.confined)
			}
			if prof == nil {
				return
			}
			if prof.DefaultAction != specs.ActErrno || len(prof.Architectures) == 0 {
				t.Errorf("default action %s, architectures %v", prof.DefaultAction, prof.Architectures)
			}
			if !allows(prof, "read") {
				t.Error("read is not allowed")
			}
			if got := allows(prof, "unshare"); got != tc.unshare {
				t.Errorf("unshare allowed %v, want %v", got, tc.unshare)
			}
			if got := allows(prof, "ptrace"); !got {
				t.Error("ptrace (allowed on kernels >= 4.8 whatever the caps) is not")
			}
		})
	}
	prof := seccompFor(t, record.HostConfig{SecurityOpt: []string{"seccomp=" + custom}}).Linux.Seccomp
	if prof == nil || prof.DefaultAction != specs.ActAllow || len(prof.Syscalls) != 1 || prof.Syscalls[0].Names[0] != "mkdir" {
		t.Errorf("custom profile: %+v", prof)
	}
}

// The personality filter lets only the personalities Docker allows through.
func TestSeccompPersonality(t *testing.T) {
	prof := seccompFor(t, record.HostConfig{}).Linux.Seccomp
	var values []uint64
	for _, sc := range prof.Syscalls {
		if slices.Contains(sc.Names, "personality") {
			if len(sc.Args) != 1 || sc.Args[0].Op != specs.OpEqualTo {
				t.Fatalf("personality rule %+v", sc)
			}
			values = append(values, sc.Args[0].Value)
		}
	}
	slices.Sort(values)
	if want := []uint64{0, 8, 0x20000, 0x20008, 0xffffffff}; !slices.Equal(values, want) {
		t.Errorf("personality allowed for %#x, want %#x", values, want)
	}
}

func TestLoadSecurityOpts(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n")
	for _, tc := range []struct {
		name       string
		opts       []string
		privileged bool
		want       []string
		err        string
	}{
		{"none", nil, false, nil, ""},
		{"file is read and compacted", []string{"seccomp=" + good}, false, []string{`seccomp={"defaultAction":"SCMP_ACT_ALLOW"}`}, ""},
		{"unconfined kept", []string{"seccomp=unconfined", "no-new-privileges"}, false, []string{"seccomp=unconfined", "no-new-privileges"}, ""},
		{"privileged", nil, true, []string{"label=disable"}, ""},
		{"privileged with a label", []string{"label=disable"}, true, []string{"label=disable"}, ""},
		{"missing file", []string{"seccomp=" + dir + "/none.json"}, false, nil, "opening seccomp profile (" + dir + "/none.json) failed"},
		{"not JSON", []string{"seccomp=" + write("bad.json", "{defaultAction")}, false, nil, "compacting json for seccomp profile"},
		{"wrong types", []string{"seccomp=" + write("types.json", `{"syscalls":{}}`)}, false, nil, "Decoding seccomp profile failed"},
		{"no default action", []string{"seccomp=" + write("empty.json", `{}`)}, false, nil, "no defaultAction"},
		{"both archMap and architectures", []string{"seccomp=" + write("arch.json",
			`{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}`)},
			false, nil, "both 'architectures' and 'archMap'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadSecurityOpts(tc.opts, tc.privileged)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// BenchmarkDefaultSeccomp is the CPU the default profile adds to a run
// once its program is cached: the engine converts Docker's profile and
// writes it into config.json, the runtime reads config.json and finds the
// program in its cache.
func BenchmarkDefaultSeccomp(b *testing.B) {
	cache := filepath.Join(b.TempDir(), "cache")
	for _, tc := range []struct {
		name string
		hc   record.HostConfig
	}{
		{"default", record.HostConfig{}},
		{"unconfined", record.HostConfig{SecurityOpt: []string{"seccomp=unconfined"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				data, err := json.Marshal(seccompFor(b, tc.hc))
				if err != nil {
					b.Fatal(err)
				}
				var s specs.Spec
				if err := json.Unmarshal(data, &s); err != nil {
					b.Fatal(err)
				}
				if _, err := bpfcache.Compile(s.Linux.Seccomp, cache); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

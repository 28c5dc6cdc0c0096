package bpfcache

import (
	"bytes"
	"reflect"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestCanonicalCoversSpec: appendCanonical writes every field of the
// runtime-spec types it walks. A field added by a runtime-spec upgrade
// fails here until appendCanonical writes it (else two profiles that
// differ only there would share a cached program).
func TestCanonicalCoversSpec(t *testing.T) {
	for _, tc := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[specs.LinuxSeccomp](), []string{"DefaultAction", "DefaultErrnoRet", "Architectures", "Flags", "ListenerPath", "ListenerMetadata", "Syscalls"}},
		{reflect.TypeFor[specs.LinuxSyscall](), []string{"Names", "Action", "ErrnoRet", "Args"}},
		{reflect.TypeFor[specs.LinuxSeccompArg](), []string{"Index", "Value", "ValueTwo", "Op"}},
	} {
		var got []string
		for i := range tc.typ.NumField() {
			got = append(got, tc.typ.Field(i).Name)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s has fields %q; appendCanonical writes %q", tc.typ, got, tc.want)
		}
	}
}

// TestCanonicalDistinguishes: each change of one field, and moving a
// name from one list to the next, changes the canonical bytes.
func TestCanonicalDistinguishes(t *testing.T) {
	one, two := uint(1), uint(2)
	base := func() *specs.LinuxSeccomp {
		return &specs.LinuxSeccomp{
			DefaultAction: specs.ActErrno, DefaultErrnoRet: &one,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86},
			Flags:         []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_LOG"},
			Syscalls: []specs.LinuxSyscall{
				{Names: []string{"ab", "c"}, Action: specs.ActAllow},
				{Names: []string{"d"}, Action: specs.ActErrno, ErrnoRet: &one,
					Args: []specs.LinuxSeccompArg{{Index: 1, Value: 2, ValueTwo: 3, Op: specs.OpMaskedEqual}}},
			},
		}
	}
	edits := map[string]func(*specs.LinuxSeccomp){
		"defaultAction":   func(c *specs.LinuxSeccomp) { c.DefaultAction = specs.ActKill },
		"defaultErrnoRet": func(c *specs.LinuxSeccomp) { c.DefaultErrnoRet = &two },
		"no errnoRet":     func(c *specs.LinuxSeccomp) { c.DefaultErrnoRet = nil },
		"architectures":   func(c *specs.LinuxSeccomp) { c.Architectures = c.Architectures[:1] },
		"flags":           func(c *specs.LinuxSeccomp) { c.Flags = nil },
		"listenerPath":    func(c *specs.LinuxSeccomp) { c.ListenerPath = "/x" },
		"listenerMeta":    func(c *specs.LinuxSeccomp) { c.ListenerMetadata = "x" },
		"names split":     func(c *specs.LinuxSeccomp) { c.Syscalls[0].Names = []string{"a", "bc"} },
		"name moved": func(c *specs.LinuxSeccomp) {
			c.Syscalls[0].Names = []string{"ab"}
			c.Syscalls[1].Names = []string{"c", "d"}
		},
		"action":       func(c *specs.LinuxSeccomp) { c.Syscalls[0].Action = specs.ActLog },
		"errnoRet":     func(c *specs.LinuxSeccomp) { c.Syscalls[1].ErrnoRet = &two },
		"arg index":    func(c *specs.LinuxSeccomp) { c.Syscalls[1].Args[0].Index = 0 },
		"arg value":    func(c *specs.LinuxSeccomp) { c.Syscalls[1].Args[0].Value = 3 },
		"arg valueTwo": func(c *specs.LinuxSeccomp) { c.Syscalls[1].Args[0].ValueTwo = 2 },
		"arg op":       func(c *specs.LinuxSeccomp) { c.Syscalls[1].Args[0].Op = specs.OpEqualTo },
		"no args":      func(c *specs.LinuxSeccomp) { c.Syscalls[1].Args = nil },
	}
	want := appendCanonical(nil, base())
	if !bytes.Equal(want, appendCanonical(nil, base())) {
		t.Fatal("the same config gives different bytes")
	}
	for name, edit := range edits {
		c := base()
		edit(c)
		if bytes.Equal(appendCanonical(nil, c), want) {
			t.Errorf("%s: same canonical bytes as the unedited config", name)
		}
	}
	noFlags, emptyFlags := base(), base()
	noFlags.Flags, emptyFlags.Flags = nil, []specs.LinuxSeccompFlag{}
	if bytes.Equal(appendCanonical(nil, noFlags), appendCanonical(nil, emptyFlags)) {
		t.Error("no flags and an empty list of flags: the same canonical bytes, yet they compile differently")
	}
}

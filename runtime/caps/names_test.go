package caps

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func TestNames(t *testing.T) {
	tests := []struct {
		name string
		num  int
		ok   bool
	}{
		{"CAP_CHOWN", 0, true},
		{"CAP_SETPCAP", 8, true},
		{"CAP_SYS_ADMIN", 21, true},
		{"CAP_AUDIT_READ", 37, true},
		{"CAP_CHECKPOINT_RESTORE", 40, true},
		{"net_admin", 12, true},
		{"KILL", 5, true},
		{"CAP_FOO", 0, false},
		{"", 0, false},
	}
	for _, tt := range tests {
		n, ok := Number(tt.name)
		if n != tt.num || ok != tt.ok {
			t.Errorf("Number(%q) = %d, %v; want %d, %v", tt.name, n, ok, tt.num, tt.ok)
		}
	}
	for n := 0; n <= Max; n++ {
		if got, _ := Number(Name(n)); got != n || !Known(Name(n)) {
			t.Errorf("capability %d: name %q does not map back", n, Name(n))
		}
	}
	for _, bad := range []int{-1, Max + 1} {
		if Name(bad) != "" {
			t.Errorf("Name(%d) = %q, want empty", bad, Name(bad))
		}
	}
	if Known("chown") {
		t.Error(`Known("chown") is true; spec names are exact`)
	}
	if got := len(Names()); got != Max+1 {
		t.Errorf("Names() has %d entries, want %d", got, Max+1)
	}
}

func TestLast(t *testing.T) {
	if l := Last(); l < unix.CAP_AUDIT_READ || l > 63 {
		t.Fatalf("Last() = %d, not a plausible kernel value", l)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		in      *specs.LinuxCapabilities
		want    Caps
		wantErr string
	}{
		{"nil drops all", nil, Caps{}, ""},
		{"runc default", &specs.LinuxCapabilities{
			Bounding: []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"},
			Ambient:  []string{"CAP_KILL"},
		}, Caps{Bounding: 0x20000420, Ambient: 0x20}, ""},
		{"every set", &specs.LinuxCapabilities{
			Bounding: []string{"CAP_CHOWN"}, Effective: []string{"CAP_DAC_OVERRIDE"},
			Permitted: []string{"CAP_FOWNER"}, Inheritable: []string{"CAP_SYS_ADMIN"}, Ambient: []string{"CAP_SETPCAP"},
		}, Caps{Bounding: 1, Effective: 2, Permitted: 8, Inheritable: 1 << 21, Ambient: 1 << 8}, ""},
		{"not a capability is ignored", &specs.LinuxCapabilities{Permitted: []string{"CAP_CHOWN", "CAP_FOO"}, Bounding: []string{"UNKNOWN_CAP"}},
			Caps{Permitted: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := New(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Fatalf("got %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestSetNames(t *testing.T) {
	got := Set(0x20000421).Names()
	want := []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_AUDIT_WRITE"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestUnraisable(t *testing.T) {
	const chown, kill, syslog = 0, 5, 34
	for _, tc := range []struct {
		perm, inh, amb Set
		want           []string
	}{
		{perm: 1<<kill | 1<<chown, inh: 1 << kill, amb: 1<<kill | 1<<chown, want: []string{"CAP_CHOWN"}},
		{perm: 1 << kill, inh: 1<<kill | 1<<syslog, amb: 1<<kill | 1<<syslog, want: []string{"CAP_SYSLOG"}},
		{perm: 1 << kill, inh: 1 << kill, amb: 1 << kill},
		{amb: 0},
	} {
		c := &Caps{Permitted: tc.perm, Inheritable: tc.inh, Ambient: tc.amb}
		if got := c.Unraisable(); !slices.Equal(got, tc.want) {
			t.Errorf("Unraisable(permitted %#x, inheritable %#x, ambient %#x) = %v, want %v", tc.perm, tc.inh, tc.amb, got, tc.want)
		}
	}
}

package devices

import (
	"os"
	"os/exec"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func devRule(allow bool, typ string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: allow, Type: typ, Access: access}
	if major >= 0 {
		r.Major = ptr(major)
	}
	if minor >= 0 {
		r.Minor = ptr(minor)
	}
	return r
}

func TestDevTransition(t *testing.T) {
	allowAll := devState{allowAll: true}
	for _, tc := range []struct {
		name  string
		cur   devState
		rules []specs.LinuxDeviceCgroup
		want  []devUpdate
	}{{
		name:  "new cgroup: deny all, then the exceptions in order",
		cur:   allowAll,
		rules: []specs.LinuxDeviceCgroup{devRule(false, "", -1, -1, "rwm"), devRule(true, "c", 1, 3, "rw"), devRule(true, "c", 136, -1, "rwm")},
		want:  []devUpdate{{false, "a"}, {true, "c 1:3 rw"}, {true, "c 136:* rwm"}},
	}, {
		// runc's "update devices [minimal transition rules]": a deny with
		// an access letter the kernel does not know, under a deny-all.
		name:  "deny under deny-all is nothing to write",
		cur:   allowAll,
		rules: []specs.LinuxDeviceCgroup{devRule(false, "", -1, -1, "rwm"), devRule(false, "c", 1, 11, "rwa")},
		want:  []devUpdate{{false, "a"}},
	}, {
		name:  "allow then deny of one access leaves the rest",
		cur:   allowAll,
		rules: []specs.LinuxDeviceCgroup{devRule(false, "a", -1, -1, ""), devRule(true, "c", 1, 11, "rwm"), devRule(false, "c", 1, 11, "w")},
		want:  []devUpdate{{false, "a"}, {true, "c 1:11 rm"}},
	}, {
		name: "same rules again: nothing written",
		cur:  devState{rules: map[devMeta]devPerm{{'c', 1, 3}: devRead | devWrite}},
		rules: []specs.LinuxDeviceCgroup{
			devRule(false, "", -1, -1, "rwm"), devRule(true, "c", 1, 3, "rw"),
		},
		want: nil,
	}, {
		name:  "running whitelist: only the difference, never a deny-all",
		cur:   devState{rules: map[devMeta]devPerm{{'c', 1, 3}: devRead | devWrite, {'c', 1, 5}: devRead}},
		rules: []specs.LinuxDeviceCgroup{devRule(false, "", -1, -1, "rwm"), devRule(true, "c", 1, 3, "rwm"), devRule(true, "c", 1, 9, "r")},
		want:  []devUpdate{{false, "c 1:5 r"}, {true, "c 1:3 m"}, {true, "c 1:9 r"}},
	}, {
		name:  "to allow-all",
		cur:   devState{rules: map[devMeta]devPerm{{'c', 1, 3}: devRead}},
		rules: []specs.LinuxDeviceCgroup{devRule(true, "a", -1, -1, "rwm"), devRule(false, "b", 8, 0, "w")},
		want:  []devUpdate{{true, "a"}, {false, "b 8:0 w"}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			target, err := targetDevState(tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			if got := devTransition(tc.cur, target); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDevStateRefusesHoleInWildcard(t *testing.T) {
	_, err := targetDevState([]specs.LinuxDeviceCgroup{
		devRule(false, "", -1, -1, "rwm"), devRule(true, "c", 136, -1, "rwm"), devRule(false, "c", 136, 2, "w"),
	})
	if err == nil {
		t.Fatal("a deny inside an allowed wildcard was accepted; the kernel would ignore it")
	}
}

func TestParseDevicesList(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want devState
		bad  bool
	}{
		{in: "a *:* rwm\n", want: devState{allowAll: true}},
		{in: "c 1:3 rwm\nc 136:* rw\nb *:* m\n", want: devState{rules: map[devMeta]devPerm{
			{'c', 1, 3}: devRead | devWrite | devMknod, {'c', 136, -1}: devRead | devWrite, {'b', -1, -1}: devMknod}}},
		{in: "", want: devState{rules: map[devMeta]devPerm{}}},
		{in: "c 1 rwm", bad: true},
		{in: "x 1:3 rwm", bad: true},
	} {
		got, err := parseDevicesList(tc.in)
		if (err != nil) != tc.bad {
			t.Errorf("%q: error %v", tc.in, err)
			continue
		}
		if !tc.bad && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

// TestSpecRules: v2's filter gets the state, not the rules as written: the
// default first, then the exceptions, a redundant deny gone.
func TestSpecRules(t *testing.T) {
	s, err := targetDevState([]specs.LinuxDeviceCgroup{
		devRule(false, "", -1, -1, "rwm"), devRule(false, "c", 1, 11, "rwa"), devRule(true, "c", 136, -1, "rw"), devRule(true, "c", 1, 3, "rwm"),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []specs.LinuxDeviceCgroup{
		{Allow: false, Type: "a", Access: "rwm"},
		devRule(true, "c", 1, 3, "rwm"),
		devRule(true, "c", 136, -1, "rw"),
	}
	if got := s.specRules(); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if _, err := deviceFilter(s.specRules()); err != nil {
		t.Errorf("the filter of the state: %v", err)
	}
}

// TestDeviceFilterLoads runs the kernel's verifier over the program for a
// typical rule list (it is not attached anywhere).
func TestDeviceFilterLoads(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("loading an eBPF program needs root")
	}
	insns, err := deviceFilter(withDefaultDevices([]specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "b", Major: ptr(int64(8)), Access: "r"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	prog, err := loadProgram(insns)
	if err != nil {
		t.Fatalf("verifier refused the device filter: %v\n%v", err, insns)
	}
	if err := unix.Close(prog); err != nil {
		t.Errorf("close the device filter: %v", err)
	}
	if _, err := deviceFilter([]specs.LinuxDeviceCgroup{{Type: "x"}}); err == nil {
		t.Error("unknown device type accepted")
	}
}

// TestSetV2 attaches the filter to a real v2 cgroup twice: one program is
// left attached (an update replaces, never piles up), and it denies a
// process in the cgroup what the rules do not allow.
func TestSetV2(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("attaching an eBPF program needs root")
	}
	var base string
	for _, d := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(d, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			base = d
			break
		}
	}
	if base == "" {
		t.Skip("no cgroup v2 hierarchy mounted")
	}
	dir, err := os.MkdirTemp(base, "berth-devices-test-")
	if err != nil {
		t.Skip("cannot make a v2 cgroup:", err)
	}
	t.Cleanup(func() { _ = os.Remove(dir) })
	// /dev/null (and runc's defaults) allowed, /dev/kmsg (1:11) denied.
	rules := []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: ptr(int64(1)), Minor: ptr(int64(3)), Access: "rw"}}
	for i := 0; i < 2; i++ {
		if err := SetV2(dir, rules); err != nil {
			t.Fatal(err)
		}
	}
	cg, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cg.Close() }()
	ids, err := attachedPrograms(int(cg.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 {
		t.Errorf("%d programs attached after two SetV2, want 1", len(ids))
	}
	script := `echo $$ > ` + dir + `/cgroup.procs && head -c1 /dev/null && ! (exec 3</dev/kmsg) 2>/dev/null`
	if out, err := exec.Command("sh", "-c", script).CombinedOutput(); err != nil {
		t.Errorf("in the cgroup, /dev/null was not readable or /dev/kmsg was: %v %s", err, out)
	}
}

package seccomp

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestLoadFlags: the SECCOMP_FILTER_FLAG_* bits a profile is loaded with,
// as runc loads it: SPEC_ALLOW when the profile names no flags at all,
// TSYNC dropped, WAIT_KILLABLE_RECV only beside a listener.
func TestLoadFlags(t *testing.T) {
	specAllow := kernelKnows() & unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
	notify := []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}
	for _, tc := range []struct {
		name     string
		flags    []specs.LinuxSeccompFlag
		syscalls []specs.LinuxSyscall
		want     uint32
		err      string
	}{
		{name: "no flags", want: specAllow},
		{name: "empty list", flags: []specs.LinuxSeccompFlag{}, want: 0},
		{name: "tsync and log", flags: []specs.LinuxSeccompFlag{flagTsync, flagLog}, want: unix.SECCOMP_FILTER_FLAG_LOG},
		{name: "spec allow", flags: []specs.LinuxSeccompFlag{flagSpecAllow}, want: unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		{name: "notify", flags: []specs.LinuxSeccompFlag{}, syscalls: notify, want: unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
		{name: "wait killable", flags: []specs.LinuxSeccompFlag{flagWaitKillable}, syscalls: notify,
			want: unix.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
		{name: "wait killable without notify", flags: []specs.LinuxSeccompFlag{flagWaitKillable}, err: "needs an SCMP_ACT_NOTIFY rule"},
		{name: "unknown", flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_NO_SUCH"}, err: "unsupported flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: tc.flags, Syscalls: tc.syscalls,
				ListenerPath: "/run/agent.sock"}
			p, err := Compile(cfg)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Compile: %v, want an error with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := p.LoadFlags(); got != tc.want {
				t.Errorf("flags %v: load flags %#x, want %#x", tc.flags, got, tc.want)
			}
		})
	}
}

// TestNotifyWriteRefused: SCMP_ACT_NOTIFY on write is refused whichever
// compiler would take the profile, with runc's words.
func TestNotifyWriteRefused(t *testing.T) {
	for _, archs := range [][]specs.Arch{nil, {"SCMP_ARCH_PPC64LE"}} { // the second goes to libseccomp
		cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, ListenerPath: "/run/agent.sock", Architectures: archs,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "write"}, Action: specs.ActNotify}}}
		if _, err := Compile(cfg); err == nil || !strings.Contains(err.Error(), "SCMP_ACT_NOTIFY cannot be used for the write syscall") {
			t.Errorf("architectures %v: notify on write: %v", archs, err)
		}
	}
}

// TestKernelKnows: this kernel's flags, probed, include LOG (Linux 4.14),
// which every kernel berth supports has.
func TestKernelKnows(t *testing.T) {
	if kernelKnows()&unix.SECCOMP_FILTER_FLAG_LOG == 0 {
		t.Errorf("probe found flags %#x, without SECCOMP_FILTER_FLAG_LOG", kernelKnows())
	}
}

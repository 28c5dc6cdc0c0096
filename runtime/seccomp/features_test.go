package seccomp

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// TestFeaturesCompile: every action, operator, architecture and flag that
// Features advertises is one New compiles.
func TestFeaturesCompile(t *testing.T) {
	f := Features()
	if f.Enabled == nil || !*f.Enabled || len(f.Actions) == 0 || len(f.Operators) == 0 || len(f.Archs) == 0 {
		t.Fatalf("features %+v: want enabled with actions, operators and archs", f)
	}
	errno := uint(1)
	for _, tc := range []struct {
		kind string
		list []string
		cfg  func(v string) *specs.LinuxSeccomp
	}{
		{"action", f.Actions, func(v string) *specs.LinuxSeccomp {
			sc := specs.LinuxSyscall{Names: []string{"acct"}, Action: specs.LinuxSeccompAction(v)}
			if v == string(specs.ActErrno) || v == string(specs.ActTrace) {
				sc.ErrnoRet = &errno
			}
			cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{sc}}
			if v == string(specs.ActNotify) {
				cfg.ListenerPath = "/run/agent.sock" // notify needs an agent to hand the fd to
			}
			return cfg
		}},
		{"operator", f.Operators, func(v string) *specs.LinuxSeccomp {
			arg := specs.LinuxSeccompArg{Index: 0, Value: 1, ValueTwo: 1, Op: specs.LinuxSeccompOperator(v)}
			return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{
				{Names: []string{"acct"}, Action: specs.ActErrno, ErrnoRet: &errno, Args: []specs.LinuxSeccompArg{arg}}}}
		}},
		{"arch", f.Archs, func(v string) *specs.LinuxSeccomp {
			return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.Arch(v)}}
		}},
		{"flag", f.SupportedFlags, func(v string) *specs.LinuxSeccomp {
			cfg := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlag(v)}}
			if v == flagWaitKillable { // a flag of the listener: it needs a notify rule
				cfg.ListenerPath = "/run/agent.sock"
				cfg.Syscalls = []specs.LinuxSyscall{{Names: []string{"acct"}, Action: specs.ActNotify}}
			}
			return cfg
		}},
	} {
		for _, v := range tc.list {
			if _, err := New(tc.cfg(v)); err != nil {
				t.Errorf("%s %s is advertised but does not compile: %v", tc.kind, v, err)
			}
		}
	}
}

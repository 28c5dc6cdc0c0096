package nsenter

import (
	"os"
	"slices"
	"strconv"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// TestNewExec: rlimit names become numbers, HOME is added only when the
// process has none, and an unknown rlimit is refused.
func TestNewExec(t *testing.T) {
	p := &specs.Process{Args: []string{"sh"}, Env: []string{"PATH=/bin"}, Cwd: "/",
		Rlimits: []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 20}}}
	x, err := NewExec(p, 2, "/proc/"+strconv.Itoa(os.Getpid()), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Rlimits) != 1 || x.Rlimits[0] != (Rlimit{Resource: unix.RLIMIT_NOFILE, Soft: 10, Hard: 20}) {
		t.Errorf("rlimits = %+v", x.Rlimits)
	}
	if len(x.Env) != 2 || x.Env[1][:5] != "HOME=" || len(p.Env) != 1 {
		t.Errorf("env = %q (process env %q): want HOME added to a copy", x.Env, p.Env)
	}
	if x.PassFDs != 2 || !x.SetGroups {
		t.Errorf("passFDs %d setGroups %v", x.PassFDs, x.SetGroups)
	}
	p.Env = []string{"HOME=/x"}
	if x, err := NewExec(p, 0, "/proc/self", true, nil); err != nil || !slices.Equal(x.Env, p.Env) {
		t.Errorf("env = %q, %v; want HOME kept", x.Env, err)
	}
	p.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_BOGUS"}}
	if _, err := NewExec(p, 0, "/proc/self", true, nil); err == nil {
		t.Error("unknown rlimit accepted")
	}
}

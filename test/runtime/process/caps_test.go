package process_test

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// TestAmbientNotInheritableWarns: an ambient capability that is not also
// inheritable cannot be raised; as runc, the process starts without it and
// a warning names it. Either way berth applies the sets: the init, an exec
// done in C and one done by the Go init (a process with a scheduler).
func TestAmbientNotInheritableWarns(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		both := []string{"CAP_KILL", "CAP_CHOWN"}
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: both, Permitted: both, Effective: both,
			Inheritable: []string{"CAP_KILL"}, Ambient: both}
	})
	const probe = "grep '^CapAmb:' /proc/self/status"
	wantAmb := "CapAmb:\t0000000000000020" // CAP_KILL, 5
	check := func(what string, res testutil.Result) {
		t.Helper()
		if res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != wantAmb ||
			!strings.Contains(res.Stderr, "can't raise ambient capability CAP_CHOWN: ") {
			t.Errorf("%s: want %q and a warning about CAP_CHOWN, got:\n%s", what, wantAmb, res)
		}
		if strings.Contains(res.Stderr, "CAP_KILL") {
			t.Errorf("%s: a warning about CAP_KILL, which is inheritable:\n%s", what, res.Stderr)
		}
	}
	b.Shell(probe)
	check("run", rt.RunBundle(t, b))

	id, _ := rt.RunningSleeper(t, b)
	check("exec", rt.Run(t, "exec", id, "sh", "-c", probe))
	proc := b.Spec().Process
	proc.Args, proc.Scheduler = []string{"sh", "-c", probe}, &specs.Scheduler{Policy: specs.SchedOther}
	check("exec of a process with a scheduler", rt.Run(t, "exec", "--process", processFile(t, proc), id))
}

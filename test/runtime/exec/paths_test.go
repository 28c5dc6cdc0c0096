package exec_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// execProbe prints what an exec'd process was given: identity, the five
// capability sets, no_new_privs, the seccomp mode and filter count, cwd,
// environment, rlimits, umask, oom_score_adj, CPU affinity and its open
// fds (numbers, and fd 3's file). Nothing in it differs between two
// processes set up alike.
const execProbe = `id
grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp|Seccomp_filters|Umask|Cpus_allowed_list):' /proc/self/status
pwd
env | grep -v '^_=' | sort
cat /proc/self/limits
umask
cat /proc/self/oom_score_adj
ls /proc/self/fd | sort -n | tr '\n' ' '; echo
readlink /proc/self/fd/3
cat <&3`

// An exec is set up either by the constructor in C (runtime/nsenter/
// execve.c, the fast path) or, when it needs what only Go does, by the Go
// init (runtime/initproc). execCPUAffinity is one such need: set to the
// CPUs the container already has, it sends the exec down the Go path
// without changing what the process gets. The same process.json through
// both paths must then give the same process, down to the probe's last
// line; the trace tells which path each took.
func TestExecPathsSetUpTheSameProcess(t *testing.T) {
	rt, b := setup(t)
	if rt.Name() != "berth-runtime" {
		t.Skip("the two exec paths are berth-runtime's")
	}
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"mknodat", "mknod"}, Action: specs.ActErrno}},
		}
	})
	id, st := rt.RunningSleeper(t, b)
	initStatus := procStatus(t, st.Pid)
	cpus := initStatus["Cpus_allowed_list"]
	if cpus == "" {
		t.Fatalf("no Cpus_allowed_list for the container's init: %v", initStatus)
	}

	umask := uint32(0o027)
	oom := 200
	p := b.Spec().Process
	p.Args = []string{"sh", "-c", execProbe}
	p.Cwd = "/tmp"
	p.Env = []string{"PATH=/bin:/usr/bin:/sbin", "PROBE=same", "HOME=/home/probe"}
	p.User = specs.User{AdditionalGids: []uint32{10, 20}, Umask: &umask}
	keep := []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
	p.Capabilities = &specs.LinuxCapabilities{
		Bounding: keep, Effective: keep, Permitted: keep,
		Inheritable: []string{"CAP_NET_BIND_SERVICE"}, Ambient: []string{"CAP_NET_BIND_SERVICE"},
	}
	p.NoNewPrivileges = true
	p.Rlimits = []specs.POSIXRlimit{
		{Type: "RLIMIT_NOFILE", Soft: 1000, Hard: 2000},
		{Type: "RLIMIT_NPROC", Soft: 300, Hard: 400},
		{Type: "RLIMIT_CORE", Soft: 0, Hard: 0},
	}
	p.OOMScoreAdj = &oom
	fd3 := filepath.Join(t.TempDir(), "fd3")
	if err := os.WriteFile(fd3, []byte("through fd 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	run := func(path string, user specs.User, goInit bool) (out string, trace []string) {
		p := *p
		p.User.UID, p.User.GID = user.UID, user.GID
		if goInit {
			p.ExecCPUAffinity = &specs.CPUAffinity{Initial: cpus, Final: cpus}
		}
		data, err := json.Marshal(&p)
		if err != nil {
			t.Fatal(err)
		}
		proc := filepath.Join(t.TempDir(), "process.json")
		if err := os.WriteFile(proc, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(fd3)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		traceFile := filepath.Join(t.TempDir(), "trace")
		cmd := rt.Command("--trace="+traceFile, "exec", "--preserve-fds", "1", "--process", proc, id)
		cmd.ExtraFiles = []*os.File{f}
		res := rt.RunCmd(t, cmd)
		if res.ExitCode != 0 {
			t.Fatalf("exec through the %s path: exit %d", path, res.ExitCode)
		}
		tr, err := os.ReadFile(traceFile)
		if err != nil {
			t.Fatalf("trace of the %s path: %v", path, err)
		}
		return strings.TrimSpace(res.Stdout), strings.Split(string(tr), "\n")
	}
	// As root the capability sets are the spec's; as another user the
	// kernel's execve rules leave only the ambient set effective.
	for _, tc := range []struct {
		name     string
		user     specs.User
		id, caps string
	}{
		{"root", specs.User{UID: 0, GID: 0}, "uid=0(root) gid=0(root) groups=10,20", "CapEff:\t0000000020000420"},
		{"uid 1000", specs.User{UID: 1000, GID: 1000}, "uid=1000 gid=1000 groups=10,20", "CapEff:\t0000000000000400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			viaC, cTrace := run("C", tc.user, false)
			viaGo, goTrace := run("Go", tc.user, true)

			// Which path each took: execve.c traces setrlimit, initproc
			// prlimit64.
			if !traceHas(cTrace, "] setrlimit(") || traceHas(cTrace, "] prlimit64(0,") {
				t.Errorf("the first exec did not take the C path:\n%s", strings.Join(cTrace, "\n"))
			}
			if !traceHas(goTrace, "] prlimit64(0,") || traceHas(goTrace, "] setrlimit(") {
				t.Errorf("the exec with execCPUAffinity did not take the Go path:\n%s", strings.Join(goTrace, "\n"))
			}

			if viaC != viaGo {
				t.Errorf("the two exec paths set the process up differently.\nC (execve.c):\n%s\n\nGo (initproc):\n%s", viaC, viaGo)
			}
			// The probe saw what was asked, so equal does not mean equally empty.
			for _, want := range []string{
				tc.id, tc.caps, "NoNewPrivs:\t1", "Seccomp:\t2", "Umask:\t0027",
				"CapAmb:\t0000000000000400", "CapBnd:\t0000000020000420",
				"/tmp\n", "PROBE=same", "Max open files            1000                 2000",
				"Max processes             300                  400", "\n0027\n", "\n200\n",
				"0 1 2 3", "through fd 3",
			} {
				if !strings.Contains(viaC, want) {
					t.Errorf("probe output lacks %q:\n%s", want, viaC)
				}
			}
		})
	}
}

// traceHas says whether any line of a --trace output contains s.
func traceHas(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

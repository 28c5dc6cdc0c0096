package runtime_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// A container without a PID namespace of its own is not stopped by its
// init's death: the kernel kills a namespace's processes when its PID 1
// dies, and here there is none. kill KILL and delete must then kill every
// process of the container's cgroup themselves, even once the init is
// gone (runc's signalAllProcesses; runc issue 4047).

// sharedPIDContainer runs `sleep 1000` in the host's PID namespace, with
// three more sleeps exec'd into it, and returns its id, its init's pid,
// all its pids, and its cgroups (controllers to host directory).
func sharedPIDContainer(t *testing.T) (*testutil.Runtime, string, int, []int, map[string]string) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		var keep []specs.LinuxNamespace
		for _, ns := range s.Linux.Namespaces {
			if ns.Type != specs.PIDNamespace {
				keep = append(keep, ns)
			}
		}
		s.Linux.Namespaces = keep
	})
	id, st := rt.RunningSleeper(t, b)
	pids := []int{st.Pid}
	for i := 0; i < 3; i++ {
		pids = append(pids, rt.ExecDetached(t, id, "sleep", "1000"))
	}
	return rt, id, st.Pid, pids, containerCgroups(t, st.Pid)
}

// containerCgroups maps each hierarchy of pid (controllers, "" for
// cgroup2) to its cgroup's host directory.
func containerCgroups(t *testing.T, pid int) map[string]string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for ctrls, path := range cgroupLines(t, string(data)) {
		out[ctrls] = filepath.Join(hierarchyDir(ctrls), path)
	}
	return out
}

// killInit SIGKILLs the container's init and waits until it has exited.
func killInit(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool { return testutil.ProcessEnded(pid) },
		func() string { return "the container's init " + itoa(pid) + " still runs" })
}

// allEnded waits until every one of pids has exited.
func allEnded(t *testing.T, what string, pids []int) {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, func() bool {
		for _, p := range pids {
			if !testutil.ProcessEnded(p) {
				return false
			}
		}
		return true
	}, func() string { return what + " left processes of the container running: " + runningOf(pids) })
}

// reap waits for pids, this process's children, that have exited.
func reap(t *testing.T, pids ...int) {
	t.Helper()
	for _, p := range pids {
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(p, &ws, 0, nil); err != nil {
			t.Fatalf("reap %d: %v", p, err)
		}
	}
}

func runningOf(pids []int) string {
	var live []string
	for _, p := range pids {
		if !testutil.ProcessEnded(p) {
			live = append(live, strconv.Itoa(p))
		}
	}
	return strings.Join(live, " ")
}

// TestKillSharedPIDNamespace: kill KILL of a container in the host's PID
// namespace kills every process of it, whether its init still runs or
// has died already, and leaves its cgroups empty.
func TestKillSharedPIDNamespace(t *testing.T) {
	for _, initGone := range []bool{false, true} {
		t.Run("init gone "+strconv.FormatBool(initGone), func(t *testing.T) {
			rt, id, init, pids, cgs := sharedPIDContainer(t)
			if initGone {
				killInit(t, init)
				if st := rt.State(t, id); st.Status != "stopped" {
					t.Fatalf("init gone: status %q, want stopped", st.Status)
				}
			}
			rt.MustRun(t, "kill", id, "KILL")
			allEnded(t, "kill KILL", pids)
			if st := rt.State(t, id); st.Status != "stopped" {
				t.Errorf("after kill KILL: status %q, want stopped", st.Status)
			}
			for ctrls, dir := range cgs {
				data, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
				if err != nil || strings.TrimSpace(string(data)) != "" {
					t.Errorf("%q cgroup.procs after kill KILL: %q, %v; want empty", ctrls, data, err)
				}
			}
			rt.MustRun(t, "delete", id)
			// The container gone, kill says so in runc's words.
			if res := rt.Run(t, "kill", id, "KILL"); res.ExitCode == 0 || !strings.Contains(res.Stderr, "does not exist") {
				t.Errorf("kill KILL of a deleted container: exit %d, %q", res.ExitCode, res.Stderr)
			}
		})
	}
}

// TestDeleteSharedPIDNamespaceInitGone: with the init of a container in
// the host's PID namespace dead, the container is stopped, and delete
// (with or without --force) kills the rest and removes the cgroups.
func TestDeleteSharedPIDNamespaceInitGone(t *testing.T) {
	for _, args := range [][]string{{"delete"}, {"delete", "--force"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			rt, id, init, pids, cgs := sharedPIDContainer(t)
			killInit(t, init)
			rt.MustRun(t, append(args, id)...)
			if res := rt.Run(t, "state", id); res.ExitCode == 0 {
				t.Errorf("state after %v succeeded", args)
			}
			allEnded(t, strings.Join(args, " "), pids)
			for ctrls, dir := range cgs {
				if _, err := os.Stat(dir); !os.IsNotExist(err) {
					t.Errorf("%q cgroup %s left after %v (%v)", ctrls, dir, args, err)
				}
			}
		})
	}
}

// TestKillJoinedPIDNamespace: a container that joined another's PID
// namespace by path is killed alone, all of it, and both delete.
func TestKillJoinedPIDNamespace(t *testing.T) {
	rt, b := setup(t)
	target, tst := rt.RunningSleeper(t, b)
	b.Update(func(s *specs.Spec) {
		for i, ns := range s.Linux.Namespaces {
			if ns.Type == specs.PIDNamespace {
				s.Linux.Namespaces[i].Path = "/proc/" + itoa(tst.Pid) + "/ns/pid"
			}
		}
	})
	attached, ast := rt.RunningSleeper(t, b)
	pids := []int{ast.Pid, rt.ExecDetached(t, attached, "sleep", "1000")}
	rt.MustRun(t, "kill", attached, "9")
	allEnded(t, "kill 9 of the joined container", pids)
	// The namespace's init finishes dying only once these are reaped, and
	// they are this test's to reap (its children, as subreaper).
	reap(t, pids...)
	if st := rt.State(t, target); st.Status != "running" {
		t.Errorf("the namespace's own container after the joined one's kill: %q, want running", st.Status)
	}
	rt.MustRun(t, "delete", "--force", attached)
	rt.MustRun(t, "delete", "--force", target)
	allEnded(t, "delete --force", []int{tst.Pid})
}

// TestDeleteForceWithSubCgroups: a container may make cgroups below its
// own (a writable cgroup mount) and move processes there; delete --force
// kills those too and removes the cgroups deepest first.
func TestDeleteForceWithSubCgroups(t *testing.T) {
	rt, b := setup(t)
	id, st := rt.RunningSleeper(t, b)
	sleeper := rt.ExecDetached(t, id, "sleep", "1000")
	cgs := containerCgroups(t, st.Pid)
	for ctrls, dir := range cgs {
		sub := mkSubCgroup(t, ctrls, dir, "foo")
		if err := os.WriteFile(filepath.Join(sub, "cgroup.procs"), []byte(itoa(sleeper)), 0o644); err != nil {
			t.Fatalf("move %d to %s: %v", sleeper, sub, err)
		}
	}
	rt.MustRun(t, "delete", "--force", id)
	allEnded(t, "delete --force", []int{sleeper})
	// The init of a PID namespace finishes dying once every process of it
	// is reaped; the sleeper is this test's to reap.
	reap(t, sleeper)
	allEnded(t, "delete --force", []int{st.Pid})
	for ctrls, dir := range cgs {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%q cgroup %s left after delete --force (%v)", ctrls, dir, err)
		}
	}
}

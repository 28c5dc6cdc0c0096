package runtime_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// After create the process must be blocked: it has not run until start.
func TestCreateStartSplit(t *testing.T) {
	rt, b := setup(t)
	host := b.BindHostDir("/host")
	b.Shell("touch /host/ran; sleep 0.5")
	id := testutil.NewID(t)
	rt.MustRun(t, "create", "--bundle", b.Dir, id)
	st := rt.State(t, id)
	if st.Status != "created" || st.Pid <= 0 {
		t.Fatalf("after create: status %q pid %d, want created and a pid", st.Status, st.Pid)
	}
	// Give a runtime that wrongly runs the process early time to show it.
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(host, "ran")); err == nil {
		t.Fatal("the process ran before start")
	}
	rt.MustRun(t, "start", id)
	if st := rt.State(t, id); st.Status != "running" {
		t.Errorf("after start: status %q, want running", st.Status)
	}
	rt.WaitState(t, id, "stopped", 10*time.Second)
	if _, err := os.Stat(filepath.Join(host, "ran")); err != nil {
		t.Errorf("the process did not run after start: %v", err)
	}
	rt.MustRun(t, "delete", id)
	if res := rt.Run(t, "state", id); res.ExitCode == 0 {
		t.Errorf("state after delete succeeded")
	}
}

func TestStateFields(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	b.Update(func(s *specs.Spec) { s.Annotations = map[string]string{"org.berth.test": "yes"} })
	pidFile := filepath.Join(t.TempDir(), "pid")
	id := testutil.NewID(t)
	rt.MustRun(t, "run", "-d", "--pid-file", pidFile, "--bundle", b.Dir, id)
	res := rt.MustRun(t, "state", id)
	var raw map[string]any
	if err := json.Unmarshal([]byte(res.Stdout), &raw); err != nil {
		t.Fatalf("state is not JSON: %v", err)
	}
	for _, f := range []string{"ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "owner", "annotations"} {
		if _, ok := raw[f]; !ok {
			t.Errorf("state lacks field %q: %s", f, res.Stdout)
		}
	}
	st := rt.State(t, id)
	bundle, _ := filepath.EvalSymlinks(b.Dir)
	if st.ID != id || st.Status != "running" || st.Bundle != bundle || st.Rootfs != filepath.Join(bundle, "rootfs") {
		t.Errorf("state %+v: want id %s, running, bundle %s", st, id, bundle)
	}
	// runc's state prints "owner": "" (only list fills it in), so only the
	// field's presence is checked above.
	if st.Annotations["org.berth.test"] != "yes" || time.Since(st.Created) > time.Minute {
		t.Errorf("state annotations %v created %v", st.Annotations, st.Created)
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("pid file: %v", err)
	}
	if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err != nil || pid != st.Pid {
		t.Errorf("pid file %q, state pid %d", data, st.Pid)
	}
	// The pid is the container's init, sleeping in the host's view. Right
	// after start it may not have reached execve yet (runc too): poll.
	var comm string
	testutil.Eventually(t, 5*time.Second, func() bool {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/comm")
		comm = strings.TrimSpace(string(b))
		return comm == "sleep"
	}, func() string { return fmt.Sprintf("state pid %d runs %q, want sleep", st.Pid, comm) })
}

func TestList(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	id, st := rt.StartDetached(t, b)

	table := rt.MustRun(t, "list", "-f", "table").Stdout
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "ID PID STATUS BUNDLE CREATED OWNER" {
		t.Fatalf("list table:\n%s", table)
	}
	row := strings.Fields(lines[1])
	if len(row) != 6 || row[0] != id || row[1] != strconv.Itoa(st.Pid) || row[2] != "running" || row[3] != st.Bundle || row[5] != "root" {
		t.Errorf("list row %q, want %s %d running %s ... root", lines[1], id, st.Pid, st.Bundle)
	}

	var list []testutil.State
	out := rt.MustRun(t, "list", "-f", "json").Stdout
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("list -f json: %v: %s", err, out)
	}
	if len(list) != 1 || list[0].ID != id || list[0].Pid != st.Pid || list[0].Status != "running" {
		t.Errorf("list -f json: %+v", list)
	}

	if q := rt.MustRun(t, "list", "-q").Stdout; q != id+"\n" {
		t.Errorf("list -q: %q, want %q", q, id+"\n")
	}
}

func TestKillSignalNames(t *testing.T) {
	for _, sig := range []string{"KILL", "SIGKILL", "9", "TERM"} {
		t.Run(sig, func(t *testing.T) {
			rt, b := setup(t)
			// PID 1 ignores signals it has no handler for, even KILL from
			// inside, but not from the parent namespace; the trap makes TERM
			// deadly too.
			b.Shell("trap 'exit 0' TERM; while :; do sleep 0.1; done")
			id, _ := rt.StartDetached(t, b)
			rt.MustRun(t, "kill", id, sig)
			rt.WaitState(t, id, "stopped", 10*time.Second)
			rt.MustRun(t, "delete", id)
		})
	}
}

// TestKillStoppedSaysRuncWords: containerd's shim tells "already exited"
// from a failure by runc's text, so StopPodSandbox (critest's attach spec)
// fails on any other wording.
func TestKillStoppedSaysRuncWords(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("true")
	id := testutil.NewID(t)
	rt.MustRun(t, "run", "-d", "--bundle", b.Dir, id)
	rt.WaitState(t, id, "stopped", 10*time.Second)
	res := rt.Run(t, "kill", id, "KILL")
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "container not running") {
		t.Errorf("kill of a stopped container: exit %d, stderr %q; want non-zero and runc's \"container not running\"", res.ExitCode, res.Stderr)
	}
	rt.MustRun(t, "delete", id)
}

// TestKillSignalZero: signal 0 checks the container runs, as kill(2) and
// runc's kill.bats take it; with --all a stopped container is no error.
func TestKillSignalZero(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	rt.MustRun(t, "kill", id, "0")
	if st := rt.State(t, id); st.Status != "running" {
		t.Fatalf("after kill 0: %s, want running", st.Status)
	}
	rt.MustRun(t, "kill", id, "KILL")
	rt.WaitState(t, id, "stopped", 10*time.Second)
	if res := rt.Run(t, "kill", id, "0"); res.ExitCode == 0 || !strings.Contains(res.Stderr, "container not running") {
		t.Errorf("kill 0 of a stopped container: exit %d, %q; want runc's \"container not running\"", res.ExitCode, res.Stderr)
	}
	rt.MustRun(t, "kill", "--all", id, "0")
	rt.MustRun(t, "delete", id)
}

func TestKillAll(t *testing.T) {
	rt, b := setup(t)
	b.Shell("sleep 100 & sleep 100 & wait")
	id, st := rt.StartDetached(t, b)
	rt.MustRun(t, "kill", "--all", id, "KILL")
	rt.WaitState(t, id, "stopped", 10*time.Second)
	// Every process of the container went, not only its init.
	procs, err := testutil.ChildProcesses()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		if p == st.Pid {
			t.Errorf("init %d survived kill --all", p)
		}
	}
	rt.MustRun(t, "delete", id)
}

func TestDeleteRunningRefused(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	id, _ := rt.StartDetached(t, b)
	res := rt.Run(t, "delete", id)
	if res.ExitCode != 1 {
		t.Errorf("delete of a running container: exit %d, want 1", res.ExitCode)
	}
	// runc: cannot delete container ID that is not stopped: running
	if !strings.Contains(res.Stderr, "not stopped") {
		t.Errorf("delete of a running container: stderr %q lacks \"not stopped\"", res.Stderr)
	}
	if st := rt.State(t, id); st.Status != "running" {
		t.Errorf("after refused delete: status %q, want running", st.Status)
	}
}

func TestDeleteForce(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	id, st := rt.StartDetached(t, b)
	rt.MustRun(t, "delete", "--force", id)
	if res := rt.Run(t, "state", id); res.ExitCode == 0 {
		t.Errorf("state after delete --force succeeded")
	}
	if _, err := os.Stat(filepath.Join(rt.Root, id)); !os.IsNotExist(err) {
		t.Errorf("state dir remains after delete --force: %v", err)
	}
	// The init is dead: at most a zombie waiting for this subreaper.
	if data, err := os.ReadFile("/proc/" + strconv.Itoa(st.Pid) + "/stat"); err == nil && !strings.Contains(string(data), ") Z ") {
		t.Errorf("container init %d still alive after delete --force", st.Pid)
	}
}

func TestDeleteNonexistent(t *testing.T) {
	rt := testutil.NewRuntime(t)
	res := rt.Run(t, "delete", "berthtest-no-such-container")
	if res.ExitCode != 1 || !strings.Contains(res.Stderr, "container does not exist") {
		t.Errorf("delete of a missing container: exit %d stderr %q, want 1 and \"container does not exist\"", res.ExitCode, res.Stderr)
	}
}

// TestDeleteForceDuringCreate: `delete -f` while a create of the same ID
// is under way (a createRuntime hook holds it) waits for the create and
// deletes what it made, as runc: no container, state dir or cgroup stays.
func TestDeleteForceDuringCreate(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "1"}}}}
	})
	id := testutil.NewID(t)
	create := rt.Command("create", "--bundle", b.Dir, id)
	if err := create.Start(); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool {
		_, err := os.Stat(filepath.Join(rt.Root, id))
		return err == nil
	}, func() string { return "create never made its state dir" })
	rt.MustRun(t, "delete", "-f", id)
	create.Wait()
	if res := rt.Run(t, "state", id); res.ExitCode == 0 {
		t.Errorf("the container is still there after delete -f: %s", res.Stdout)
	}
	if _, err := os.Stat(filepath.Join(rt.Root, id)); !os.IsNotExist(err) {
		t.Errorf("state dir left: %v", err)
	}
	if cgs, _ := testutil.CgroupDirs(id); len(cgs) > 0 {
		t.Errorf("cgroups left: %v", cgs)
	}
}

// TestDeleteForceAfterKilledCreate SIGKILLs create at many moments: delete
// -f of the ID then leaves no state dir, no cgroup and no process, even
// where the create had not saved its state yet.
func TestDeleteForceAfterKilledCreate(t *testing.T) {
	rt, b := setup(t)
	b.Shell("sleep 60")
	for _, d := range []time.Duration{0, 2, 4, 6, 8, 10, 13, 16, 20, 25, 30, 40, 60} {
		id := testutil.NewID(t)
		create := rt.Command("create", "--bundle", b.Dir, id)
		if err := create.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(d * time.Millisecond)
		create.Process.Kill()
		create.Wait()
		rt.MustRun(t, "delete", "-f", id)
		if _, err := os.Stat(filepath.Join(rt.Root, id)); !os.IsNotExist(err) {
			t.Errorf("create killed after %v: state dir left: %v", d*time.Millisecond, err)
		}
		if cgs, _ := testutil.CgroupDirs(id); len(cgs) > 0 {
			t.Errorf("create killed after %v: cgroups left: %v", d*time.Millisecond, cgs)
		}
	}
}

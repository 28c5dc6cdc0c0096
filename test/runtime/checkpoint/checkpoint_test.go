package checkpoint_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/network/netns"
	"github.com/berth-containers/berth/test/testutil"
)

// CRIU 3.17 cannot work on every kernel: on this project's hosts `criu
// check` fails on the vDSO, so the checkpoint tests run in full in the VM
// (test/vm, Debian's kernel), and where criu check fails they check that
// checkpoint says so in one line and harms nothing.

var (
	criuOnce sync.Once
	criuErr  string
)

// criuCheck is "" when `criu check` passes, else its last error line.
func criuCheck(t *testing.T) string {
	criuOnce.Do(func() {
		out, err := exec.Command("criu", "check").CombinedOutput()
		if err != nil {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			criuErr = lines[len(lines)-1] + " (" + err.Error() + ")"
		}
	})
	if criuErr != "" {
		t.Logf("criu check fails on this kernel: %s", criuErr)
	}
	return criuErr
}

// pipes are a container's stdio: CRIU restores only stdio it can reach,
// pipes and terminals, not the test's temp files.
type pipes struct {
	inR, inW, outR, outW *os.File
	out                  testutil.Buffer
}

func newPipes(t *testing.T) *pipes {
	t.Helper()
	p := &pipes{}
	var err error
	if p.inR, p.inW, err = os.Pipe(); err != nil {
		t.Fatal(err)
	}
	if p.outR, p.outW, err = os.Pipe(); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(&p.out, p.outR) }()
	t.Cleanup(func() {
		for _, f := range []*os.File{p.inR, p.inW, p.outW, p.outR} {
			f.Close()
		}
	})
	return p
}

// run runs the runtime with the pipes as its stdio (and so the
// container's, for run -d and restore -d); its own errors land in out.
func (p *pipes) run(t *testing.T, rt *testutil.Runtime, args ...string) testutil.Result {
	t.Helper()
	cmd := rt.Command(args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.inR, p.outW, p.outW
	res := rt.RunCmd(t, cmd)
	res.Stderr = p.out.String()
	return res
}

func (p *pipes) mustRun(t *testing.T, rt *testutil.Runtime, args ...string) {
	t.Helper()
	if res := p.run(t, rt, args...); res.ExitCode != 0 {
		t.Fatalf("%v: exit %d; output so far:\n%s%s", args, res.ExitCode, p.out.String(), criuLogs(args))
	}
}

// criuLogs is the end of the criu logs in the --image-path or --work-path
// of args, for a failure's message.
func criuLogs(args []string) string {
	var out strings.Builder
	for i := 0; i+1 < len(args); i++ {
		if args[i] != "--image-path" && args[i] != "--work-path" {
			continue
		}
		for _, f := range []string{"dump.log", "restore.log"} {
			if path := filepath.Join(args[i+1], f); fileExists(path) {
				out.WriteString("\n--- " + path + ":\n" + testutil.Tail(path, 40))
			}
		}
	}
	return out.String()
}

// ping writes a line to the container and waits for its answer.
func (p *pipes) ping(t *testing.T, word string) {
	t.Helper()
	if _, err := p.inW.WriteString(word + "\n"); err != nil {
		t.Fatal(err)
	}
	if !p.out.WaitFor("pong "+word, 20*time.Second) {
		t.Fatalf("no pong %s from the container; output:\n%s", word, p.out.String())
	}
}

// counterScript counts in /host/count in a second process, and answers
// each line on stdin: state (the count, the pids) and stdio to check
// after a restore.
const counterScript = `(i=0; while :; do i=$((i+1)); echo $i >/host/count; sleep 0.1; done) &
echo $! >/host/bgpid
while read l; do echo "pong $l"; done`

func readCount(t *testing.T, host string) int {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(host, "count"))
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	return n
}

func waitCount(t *testing.T, host string, above int) int {
	t.Helper()
	var n int
	testutil.Eventually(t, 30*time.Second, func() bool { n = readCount(t, host); return n > above },
		func() string { return "count stuck at " + strconv.Itoa(n) + ", want above " + strconv.Itoa(above) })
	return n
}

// counter starts the counter container detached, with a bind mount and a
// pids limit, and waits until it counts.
func counter(t *testing.T) (*testutil.Runtime, *testutil.Bundle, *pipes, string, string) {
	t.Helper()
	rt, b := setup(t)
	host := b.BindHostDir("/host")
	b.Shell(counterScript)
	b.Update(func(s *specs.Spec) {
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		limit := int64(123)
		s.Linux.Resources.Pids = &specs.LinuxPids{Limit: &limit}
	})
	p := newPipes(t)
	id := testutil.NewID(t)
	p.mustRun(t, rt, "run", "-d", "--bundle", b.Dir, id)
	rt.WaitState(t, id, "running", 10*time.Second)
	p.ping(t, "first")
	waitCount(t, host, 2)
	return rt, b, p, host, id
}

// checkRestored checks a restored counter: running, the same processes
// (the counter's pid in the pid namespace is alive, the count goes on from
// where it was), stdio still wired, the cgroup limit in force.
func checkRestored(t *testing.T, rt *testutil.Runtime, p *pipes, host, id string, before int, word string) {
	t.Helper()
	st := rt.WaitState(t, id, "running", 10*time.Second)
	after := waitCount(t, host, before)
	// A fresh start would count from 1 again.
	if after < before {
		t.Fatalf("count went from %d to %d: the counter started anew", before, after)
	}
	bg, _ := os.ReadFile(filepath.Join(host, "bgpid"))
	if out := rt.ExecOut(t, id, "sh", "-c", "kill -0 "+strings.TrimSpace(string(bg))+" && echo alive; cat /proc/1/cmdline"); !strings.HasPrefix(out, "alive") || !strings.Contains(out, "while read") {
		t.Errorf("in the restored container: %q, want the counter (pid %s) alive and the script as pid 1", out, bg)
	}
	p.ping(t, word)
	if got := pidsMax(t, st.Pid); got != "123" {
		t.Errorf("pids.max of the restored container's cgroup: %q, want 123", got)
	}
	if st.Pid <= 0 {
		t.Errorf("restored state has no pid: %+v", st)
	}
}

func TestCheckpointRestore(t *testing.T) {
	if reason := criuCheck(t); reason != "" {
		checkpointRefused(t)
		return
	}
	rt, b, p, host, id := counter(t)
	dir := t.TempDir()
	imgs, work := filepath.Join(dir, "images"), filepath.Join(dir, "work")
	p.mustRun(t, rt, "checkpoint", "--image-path", imgs, "--work-path", work, id)
	// As runc: a checkpointed container is gone, its processes ended.
	if res := rt.Run(t, "state", id); res.ExitCode == 0 {
		t.Errorf("state of a checkpointed container succeeded: %s", res.Stdout)
	}
	frozen := readCount(t, host)
	time.Sleep(300 * time.Millisecond)
	if n := readCount(t, host); n != frozen {
		t.Fatalf("the count went on after checkpoint: %d then %d", frozen, n)
	}
	if _, err := os.Stat(filepath.Join(work, "dump.log")); err != nil {
		t.Errorf("criu's log is not in --work-path: %v", err)
	}
	p.mustRun(t, rt, "restore", "-d", "--image-path", imgs, "--work-path", work, "--bundle", b.Dir, id)
	checkRestored(t, rt, p, host, id, frozen, "second")

	// Again, restored under another ID.
	imgs2 := filepath.Join(dir, "images2")
	p.mustRun(t, rt, "checkpoint", "--image-path", imgs2, id)
	frozen = readCount(t, host)
	id2 := testutil.NewID(t)
	pidFile := filepath.Join(dir, "pid")
	p.mustRun(t, rt, "restore", "-d", "--image-path", imgs2, "--pid-file", pidFile, "--bundle", b.Dir, id2)
	checkRestored(t, rt, p, host, id2, frozen, "third")
	if data, err := os.ReadFile(pidFile); err != nil || strings.TrimSpace(string(data)) != strconv.Itoa(rt.State(t, id2).Pid) {
		t.Errorf("restore --pid-file: %q (%v), state pid %d", data, err, rt.State(t, id2).Pid)
	}
	rt.MustRun(t, "delete", "-f", id2)
}

// checkpointRefused: where CRIU cannot work, checkpoint fails with one
// line saying why, and the container runs on untouched.
func checkpointRefused(t *testing.T) {
	rt, b := setup(t)
	id, _ := rt.RunningSleeper(t, b)
	res := rt.Run(t, "checkpoint", "--image-path", filepath.Join(t.TempDir(), "images"), id)
	if res.ExitCode == 0 {
		t.Fatal("checkpoint succeeded where criu check fails")
	}
	if msg := strings.TrimSpace(res.Stderr); strings.Count(msg, "\n") > 0 || !strings.Contains(msg, "checkpoint container "+id) {
		t.Errorf("checkpoint's error is not one line naming the container: %q", msg)
	}
	if st := rt.State(t, id); st.Status != "running" {
		t.Errorf("after a failed checkpoint: %s, want running", st.Status)
	}
	rt.MustRun(t, "delete", "-f", id)
}

func TestCheckpointLeaveRunning(t *testing.T) {
	if reason := criuCheck(t); reason != "" {
		checkpointRefused(t)
		return
	}
	rt, b, p, host, id := counter(t)
	imgs := filepath.Join(t.TempDir(), "images")
	p.mustRun(t, rt, "checkpoint", "--leave-running", "--image-path", imgs, id)
	if st := rt.State(t, id); st.Status != "running" {
		t.Fatalf("after checkpoint --leave-running: %s", st.Status)
	}
	waitCount(t, host, readCount(t, host))
	p.ping(t, "still")
	// The images restore as a new container once the first is gone.
	rt.MustRun(t, "delete", "-f", id)
	n := readCount(t, host)
	id2 := testutil.NewID(t)
	p.mustRun(t, rt, "restore", "-d", "--image-path", imgs, "--bundle", b.Dir, id2)
	rt.WaitState(t, id2, "running", 10*time.Second)
	// The images are from before the count n: it starts from below and
	// goes on, not from 1.
	if got := waitCount(t, host, 0); got > n {
		t.Logf("count %d (was %d at the delete)", got, n)
	}
	p.ping(t, "restored")
	rt.MustRun(t, "delete", "-f", id2)
}

// A network namespace given by path is left out of the images and joined
// again on restore, as runc does.
func TestCheckpointNetnsPath(t *testing.T) {
	if reason := criuCheck(t); reason != "" {
		checkpointRefused(t)
		return
	}
	rt, b := setup(t)
	nsPath, err := netns.Create(t.TempDir(), "cp")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = netns.Remove(nsPath) })
	b.Update(func(s *specs.Spec) {
		for i := range s.Linux.Namespaces {
			if s.Linux.Namespaces[i].Type == specs.NetworkNamespace {
				s.Linux.Namespaces[i].Path = nsPath
			}
		}
	})
	b.Shell("while read l; do echo \"pong $l\"; done")
	p := newPipes(t)
	id := testutil.NewID(t)
	p.mustRun(t, rt, "run", "-d", "--bundle", b.Dir, id)
	st := rt.WaitState(t, id, "running", 10*time.Second)
	want := testutil.NsLink(t, st.Pid, "net")
	imgs := filepath.Join(t.TempDir(), "images")
	for i, word := range []string{"one", "two"} {
		p.mustRun(t, rt, "checkpoint", "--image-path", imgs, id)
		p.mustRun(t, rt, "restore", "-d", "--image-path", imgs, "--bundle", b.Dir, id)
		st = rt.WaitState(t, id, "running", 10*time.Second)
		if got := testutil.NsLink(t, st.Pid, "net"); got != want {
			t.Errorf("round %d: restored into netns %s, want %s", i, got, want)
		}
		p.ping(t, word)
	}
	rt.MustRun(t, "delete", "-f", id)
}

// A container with a terminal: restore sends the new pty's master to
// --console-socket.
func TestCheckpointTerminal(t *testing.T) {
	if reason := criuCheck(t); reason != "" {
		checkpointRefused(t)
		return
	}
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { s.Process.Terminal = true })
	b.Shell("stty -echo; while read l; do echo \"pong $l\"; done")
	cs := testutil.NewConsoleSocket(t)
	id := testutil.NewID(t)
	rt.MustRun(t, "run", "-d", "--console-socket", cs.Path, "--bundle", b.Dir, id)
	rt.WaitState(t, id, "running", 10*time.Second)
	master := cs.Master(t)
	defer master.Close()
	talk(t, master, "one")
	imgs := filepath.Join(t.TempDir(), "images")
	rt.MustRun(t, "checkpoint", "--image-path", imgs, id)
	cs2 := testutil.NewConsoleSocket(t)
	rt.MustRun(t, "restore", "-d", "--console-socket", cs2.Path, "--image-path", imgs, "--bundle", b.Dir, id)
	rt.WaitState(t, id, "running", 10*time.Second)
	m2 := cs2.Master(t)
	defer m2.Close()
	talk(t, m2, "two")
	rt.MustRun(t, "delete", "-f", id)
}

// talk writes a line to a pty master and waits for the container's pong.
func talk(t *testing.T, master *os.File, word string) {
	t.Helper()
	if _, err := master.WriteString(word + "\n"); err != nil {
		t.Fatal(err)
	}
	var got testutil.Buffer
	go func() { _, _ = io.Copy(&got, master) }()
	if !got.WaitFor("pong "+word, 20*time.Second) {
		t.Fatalf("no pong %s on the terminal: %q", word, got.String())
	}
	_ = master.SetReadDeadline(time.Now()) // ends the copy
}

// Bad input: one-line errors, and nothing left behind.
func TestCheckpointRestoreErrors(t *testing.T) {
	rt, b := setup(t)
	one := func(res testutil.Result, want string) {
		t.Helper()
		msg := strings.TrimSpace(res.Stderr)
		if res.ExitCode == 0 || strings.Contains(msg, "\n") || !strings.Contains(msg, want) {
			t.Errorf("%v: exit %d, error %q: want one line with %q", res.Args[3:], res.ExitCode, msg, want)
		}
	}
	id := testutil.NewID(t)
	one(rt.Run(t, "restore", "-d", "--image-path", filepath.Join(t.TempDir(), "missing"), "--bundle", b.Dir, id), "image dir")
	rt.AssertNothingLeft(t, id, b)
	one(rt.Run(t, "restore", "-d", "--image-path", t.TempDir(), "--bundle", b.Dir, id), "no checkpoint")
	rt.AssertNothingLeft(t, id, b)
	one(rt.Run(t, "checkpoint", "missing-"+id), "does not exist")

	// Without criu on PATH: checkpoint and restore say so, and a restore
	// makes nothing.
	noCriu := func(args ...string) testutil.Result {
		cmd := rt.Command(args...)
		cmd.Env = append(os.Environ(), "PATH=/nonexistent")
		return rt.RunCmd(t, cmd)
	}
	b.SetArgs("sleep", "1000")
	rid := testutil.NewID(t)
	rt.MustRun(t, "create", "--bundle", b.Dir, rid)
	one(rt.Run(t, "checkpoint", rid), "cannot be checkpointed in created state")
	rt.MustRun(t, "start", rid)
	one(noCriu("checkpoint", "--image-path", t.TempDir(), rid), "criu is not installed")
	if st := rt.State(t, rid); st.Status != "running" {
		t.Errorf("after checkpoint without criu: %s, want running", st.Status)
	}
	rt.MustRun(t, "delete", "-f", rid)
	one(noCriu("restore", "-d", "--image-path", t.TempDir(), "--bundle", b.Dir, id), "criu is not installed")
	rt.AssertNothingLeft(t, id, b)
	if criuCheck(t) != "" {
		return
	}
	// criu fails half way through a restore (a bind mount's source is
	// gone): no state dir, cgroup, mount or process is left.
	rt2, b2, p, host, cid := counter(t)
	imgs := filepath.Join(t.TempDir(), "images")
	p.mustRun(t, rt2, "checkpoint", "--image-path", imgs, cid)
	if err := os.RemoveAll(host); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, rt2.Binary, "--root", rt2.Root, "restore", "-d", "--image-path", imgs, "--bundle", b2.Dir, cid)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.inR, p.outW, p.outW
	if res := rt2.RunCmd(t, cmd); res.ExitCode == 0 {
		t.Fatal("restore with a bind mount's source gone succeeded")
	}
	rt2.AssertNothingLeft(t, cid, b2)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// pidsMax reads pids.max of the cgroup pid is in (v1 pids or v2).
func pidsMax(t *testing.T, pid int) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		dir := filepath.Join("/sys/fs/cgroup", parts[2])
		if parts[1] == "pids" {
			dir = filepath.Join("/sys/fs/cgroup/pids", parts[2])
		} else if parts[1] != "" {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "pids.max")); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	return "<missing>"
}

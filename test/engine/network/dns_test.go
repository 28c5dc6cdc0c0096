package network_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// responders lists the pids of the embedded DNS responders of this root.
func (e *env) responders() []int {
	e.T.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		e.T.Fatal(err)
	}
	var pids []int
	for _, en := range entries {
		pid, err := strconv.Atoi(en.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", en.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if len(args) == 4 && args[0] == "berth-dns" && args[3] == e.Runroot {
			pids = append(pids, pid)
		}
	}
	return pids
}

// TestDNSOneResponderUnderParallelRuns: 30 `run -d` at once on one user
// network all succeed, and one responder serves them all (its lock holds
// for its whole life), which answers names.
func TestDNSOneResponderUnderParallelRuns(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "par")
	var wg sync.WaitGroup
	results := make([]testutil.Result, 30)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = e.Run("run", "-d", "--name", "p"+strconv.Itoa(i), "--network", "par", "busybox", "sleep", "600")
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r.ExitCode != 0 {
			t.Errorf("run %d: exit %d: %s", i, r.ExitCode, r.Stderr)
		}
	}
	// A starter that found the lock taken reports "busy" and exits: give
	// it a moment to be gone.
	var pids []int
	testutil.Eventually(t, 2*time.Second, func() bool { pids = e.responders(); return len(pids) == 1 },
		func() string { return fmt.Sprintf("%d responders run, want 1: %v", len(pids), pids) })
	// The lock is held: another responder started by hand stands down.
	if cmd, got := e.startResponder(); got != "busy" {
		t.Errorf("a second responder reported %q, want busy", got)
		cmd.Process.Kill()
		cmd.Wait()
	} else {
		cmd.Wait()
	}
	out := e.Must("run", "--rm", "--network", "par", "busybox", "nslookup", "p7")
	if ip := e.Inspect("p7", "{{.NetworkSettings.IPAddress}}"); !strings.Contains(out, "Address: "+ip) {
		t.Errorf("nslookup p7 did not answer %s:\n%s", ip, out)
	}
	ids := strings.Fields(e.Must("ps", "-aq"))
	e.Must(append([]string{"rm", "-f"}, ids...)...)
	e.Must("network", "rm", "par")
	waitNoResponder(t, e)
}

// TestDNSStrayResponderGoesAway: a second responder that got a lock of its
// own (dns.lock was removed under the first) takes the socket; the first
// finds it lost its socket and exits, and runs on the network keep
// working, with no one killing anything by hand.
func TestDNSStrayResponderGoesAway(t *testing.T) {
	e := newEnv(t)
	e.Must("network", "create", "stray")
	e.Must("run", "-d", "--name", "s1", "--network", "stray", "busybox", "sleep", "600")
	first := e.responders()
	if len(first) != 1 {
		t.Fatalf("%d responders, want 1", len(first))
	}
	if err := os.Remove(filepath.Join(e.Runroot, "dns.lock")); err != nil {
		t.Fatal(err)
	}
	cmd, got := e.startResponder()
	if got != "ok" {
		t.Fatalf("second responder reported %q", got)
	}
	// It is this process's child: reap it when it ends.
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	testutil.Eventually(t, 10*time.Second, func() bool {
		pids := e.responders()
		return len(pids) == 1 && pids[0] == cmd.Process.Pid
	}, func() string {
		return fmt.Sprintf("responders %v, want only the second, %d", e.responders(), cmd.Process.Pid)
	})
	e.Must("run", "-d", "--name", "s2", "--network", "stray", "busybox", "sleep", "600")
	out := e.Must("run", "--rm", "--network", "stray", "busybox", "sh", "-c", "nslookup s1; nslookup s2")
	for _, name := range []string{"s1", "s2"} {
		if ip := e.Inspect(name, "{{.NetworkSettings.IPAddress}}"); !strings.Contains(out, "Address: "+ip) {
			t.Errorf("nslookup %s did not answer %s:\n%s", name, ip, out)
		}
	}
	e.Must("rm", "-f", "s1", "s2")
	e.Must("network", "rm", "stray")
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Error("the responder did not exit once no container needed it")
		cmd.Process.Kill()
		<-done
	}
}

func waitNoResponder(t *testing.T, e *env) {
	t.Helper()
	testutil.Eventually(t, 10*time.Second, func() bool { return len(e.responders()) == 0 },
		func() string { return fmt.Sprintf("responders left: %v", e.responders()) })
}

// startResponder starts a DNS responder of the root by hand, as the engine
// does, and returns it with its report ("ok", "busy", ...).
func (e *env) startResponder() (*exec.Cmd, string) {
	e.T.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		e.T.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command(e.Bin, "dns", e.Root, e.Runroot)
	cmd.Args[0] = "berth-dns"
	cmd.Env = []string{"BERTH_DNS=1"}
	cmd.ExtraFiles = []*os.File{w}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Start()
	w.Close()
	if err != nil {
		e.T.Fatal(err)
	}
	rep, _ := io.ReadAll(r)
	got := strings.TrimSpace(string(rep))
	if got != "ok" && got != "busy" {
		e.T.Logf("responder stderr: %s", stderr.String())
	}
	return cmd, got
}

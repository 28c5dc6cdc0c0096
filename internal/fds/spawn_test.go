package fds

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const daemonEnv = "FDS_TEST_DAEMON"

// daemonReport is what the test daemon says of itself on fd 3.
type daemonReport struct {
	Pid, Sid int
	Args     []string
	Cwd      string
	Env      []string
	Stdin    string
}

// TestMain runs the test binary as the daemon when SpawnDaemon starts it.
func TestMain(m *testing.M) {
	if os.Getenv(daemonEnv) == "1" {
		report := os.NewFile(3, "report")
		sid, _ := unix.Getsid(0)
		cwd, _ := os.Getwd()
		stdin, _ := os.Readlink("/proc/self/fd/0")
		_ = json.NewEncoder(report).Encode(daemonReport{Pid: os.Getpid(), Sid: sid, Args: os.Args,
			Cwd: cwd, Env: os.Environ(), Stdin: stdin})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestSpawnDaemon(t *testing.T) {
	env := []string{daemonEnv + "=1", "GOMAXPROCS=1"}
	data, err := SpawnDaemon("test daemon", "berth-test", []string{"mode", "a b"}, env)
	if err != nil {
		t.Fatal(err)
	}
	var rep daemonReport
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatalf("report %q: %v", data, err)
	}
	// Not waited for by SpawnDaemon: reap it here (this machine's PID 1
	// does not).
	var ws unix.WaitStatus
	if _, err := unix.Wait4(rep.Pid, &ws, 0, nil); err != nil {
		t.Errorf("reap the daemon %d: %v", rep.Pid, err)
	}
	for _, c := range []struct {
		what string
		ok   bool
	}{
		{"in a session of its own", rep.Sid == rep.Pid},
		{"argv " + strings.Join(rep.Args, "|"), strings.Join(rep.Args, "|") == "berth-test|mode|a b"},
		{"cwd " + rep.Cwd, rep.Cwd == "/"},
		{"env " + strings.Join(rep.Env, " "), strings.Join(rep.Env, " ") == strings.Join(env, " ")},
		{"stdin " + rep.Stdin, rep.Stdin == os.DevNull},
	} {
		if !c.ok {
			t.Errorf("daemon not as spawned: %s", c.what)
		}
	}
}

func TestSpawnDaemonNoReport(t *testing.T) {
	// Started without the daemon's variable, the test binary runs the
	// tests matching nothing and exits: an empty report, no error.
	data, err := SpawnDaemon("test daemon", "berth-test", []string{"-test.run=^$"}, nil)
	if err != nil || len(data) != 0 {
		t.Errorf("SpawnDaemon = %q, %v; want an empty report", data, err)
	}
	// Reap it: any child of ours that has ended.
	for {
		if pid, err := unix.Wait4(-1, nil, 0, nil); pid <= 0 || err != nil {
			break
		}
	}
}

package hooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// script writes an executable /bin/sh script into dir and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func seconds(n int) *int { return &n }

var testState = &specs.State{
	Version: specs.Version, ID: "c1", Status: specs.StateCreated, Pid: 42,
	Bundle: "/b", Annotations: map[string]string{"k": "v"},
}

// TestRunGivesExactly checks what a hook receives: the state on stdin, its
// own argv (argv[0] included) and only its own environment.
func TestRunGivesExactly(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	// /proc/$$ is the shell running the script: what it got at exec.
	record := script(t, dir, "record", `cat > "$OUT.stdin"
tr '\0' ' ' < /proc/$$/cmdline > "$OUT.argv"
tr '\0' ' ' < /proc/$$/environ > "$OUT.env"
`)
	tests := []struct {
		name string
		hook specs.Hook
		argv string
		env  string
	}{
		{"args and env", specs.Hook{Path: record, Args: []string{"custom0", "a", "b c"}, Env: []string{"OUT=" + out, "X=1"}},
			"/bin/sh " + record + " a b c ", "OUT=" + out + " X=1 "},
		{"no args", specs.Hook{Path: record, Env: []string{"OUT=" + out}},
			"/bin/sh " + record + " ", "OUT=" + out + " "},
	}
	t.Setenv("BERTH_HOOK_TEST_LEAK", "1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Run("prestart", []specs.Hook{tt.hook}, testState); err != nil {
				t.Fatal(err)
			}
			var got specs.State
			if err := json.Unmarshal([]byte(readFile(t, out+".stdin")), &got); err != nil {
				t.Fatalf("stdin is not the state: %v", err)
			}
			if got.ID != "c1" || got.Pid != 42 || got.Status != specs.StateCreated || got.Annotations["k"] != "v" {
				t.Fatalf("state on stdin %+v", got)
			}
			if a := readFile(t, out+".argv"); a != tt.argv {
				t.Errorf("argv %q, want %q", a, tt.argv)
			}
			if e := readFile(t, out+".env"); e != tt.env {
				t.Errorf("env %q, want %q", e, tt.env)
			}
		})
	}
}

// TestArgv0 checks args[0] reaches the hook as argv[0]; a script's
// interpreter hides it, so the hook is the shell itself.
func TestArgv0(t *testing.T) {
	out := filepath.Join(t.TempDir(), "argv0")
	h := specs.Hook{Path: "/bin/sh", Args: []string{"my-hook", "-c", `tr '\0' ' ' < /proc/$$/cmdline > "$1"`, "sh", out}}
	if err := Run("poststop", []specs.Hook{h}, testState); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, out); !strings.HasPrefix(got, "my-hook -c ") {
		t.Fatalf("cmdline %q, want it to start with my-hook", got)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	ok := script(t, dir, "ok", "exit 0\n")
	fail := script(t, dir, "fail", "echo some output; echo 'it broke' >&2; exit 3\n")
	chatty := script(t, dir, "chatty", "yes 0123456789 | head -c 1000000; exit 1\n")
	slow := script(t, dir, "slow", "exec sleep 30\n")
	marker := filepath.Join(dir, "ran")
	after := script(t, dir, "after", "touch "+marker+"\n")
	tests := []struct {
		name    string
		kind    string
		hooks   []specs.Hook
		wantErr string
		prefix  bool
	}{
		{"none", "prestart", nil, "", false},
		{"all succeed", "createRuntime", []specs.Hook{{Path: ok}, {Path: ok, Timeout: seconds(5)}}, "", false},
		{"non-zero exit", "createContainer", []specs.Hook{{Path: ok}, {Path: fail}, {Path: after}},
			"error running createContainer hook #1: " + fail + `: exit status 3, stdout: "some output", stderr: "it broke"`, false},
		{"timeout", "poststart", []specs.Hook{{Path: slow, Timeout: seconds(1)}, {Path: after}},
			"error running poststart hook #0: " + slow + ": ran past its timeout of 1s", false},
		{"missing", "startContainer", []specs.Hook{{Path: filepath.Join(dir, "nope")}},
			"error running startContainer hook #0: " + filepath.Join(dir, "nope") + ": fork/exec " + filepath.Join(dir, "nope") + ": no such file or directory", false},
		{"relative", "prestart", []specs.Hook{{Path: "ok"}}, "error running prestart hook #0: ok: path is not absolute", false},
		{"zero timeout", "prestart", []specs.Hook{{Path: ok, Timeout: seconds(0)}}, "error running prestart hook #0: " + ok + ": timeout 0 is not positive", false},
		{"bounded output", "poststop", []specs.Hook{{Path: chatty}}, "error running poststop hook #0: " + chatty + `: exit status 1, stdout: "0123456789\n`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(marker)
			start := time.Now()
			err := Run(tt.kind, tt.hooks, testState)
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("Run took %s", took)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %s", tt.wantErr)
			}
			msg := err.Error()
			if tt.prefix && !strings.HasPrefix(msg, tt.wantErr) || !tt.prefix && msg != tt.wantErr {
				t.Fatalf("error\n%s\nwant\n%s", msg, tt.wantErr)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error is not one line: %q", msg)
			}
			if len(msg) > 2*maxOutput+500 {
				t.Errorf("error is %d bytes: output not bounded", len(msg))
			}
			if _, err := os.Stat(marker); err == nil {
				t.Error("a hook after the failed one ran")
			}
		})
	}
}

func TestLimitedBuffer(t *testing.T) {
	tests := []struct {
		writes    []int
		wantLen   int
		truncated bool
	}{
		{[]int{10}, 10, false},
		{[]int{maxOutput}, maxOutput, false},
		{[]int{maxOutput - 1, 5, 7}, maxOutput, true},
		{[]int{3 * maxOutput}, maxOutput, true},
	}
	for _, tt := range tests {
		var b limitedBuffer
		for _, n := range tt.writes {
			if got, err := b.Write(bytes.Repeat([]byte("a"), n)); got != n || err != nil {
				t.Fatalf("Write(%d) = %d, %v", n, got, err)
			}
		}
		if b.Len() != tt.wantLen || b.truncated != tt.truncated {
			t.Errorf("writes %v: len %d truncated %v; want %d %v", tt.writes, b.Len(), b.truncated, tt.wantLen, tt.truncated)
		}
	}
}

// TestTimeoutKillsGroup checks that a timed-out hook's children die with it.
// The test becomes a subreaper so that it can reap the orphaned child (PID 1
// of this machine does not) and see how it died.
func TestTimeoutKillsGroup(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0); err != nil {
			t.Errorf("clear PR_SET_CHILD_SUBREAPER: %v", err)
		}
	}()
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child")
	hook := script(t, dir, "spawn", "sleep 30 &\necho $! > "+pidFile+"\nexec sleep 30\n")
	start := time.Now()
	err := Run("prestart", []specs.Hook{{Path: hook, Timeout: seconds(1)}}, testState)
	if want := "error running prestart hook #0: " + hook + ": ran past its timeout of 1s"; err == nil || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	if took := time.Since(start); took > 1900*time.Millisecond {
		t.Errorf("Run took %s: it waited for the orphan to close the pipes", took)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, pidFile)))
	if err != nil {
		t.Fatal(err)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatalf("reap child %d: %v", pid, err)
	}
	if !ws.Signaled() || ws.Signal() != unix.SIGKILL {
		t.Fatalf("child %d ended with %v, want killed", pid, ws)
	}
}

// TestRunAllGoesOn: RunAll (poststop) runs every hook past failures and
// names each failure on one line.
func TestRunAllGoesOn(t *testing.T) {
	dir := t.TempDir()
	fail := script(t, dir, "fail", "exit 3\n")
	marker := filepath.Join(dir, "ran")
	after := script(t, dir, "after", "touch "+marker+"\n")
	for _, tt := range []struct {
		name    string
		hooks   []specs.Hook
		wantErr string
	}{
		{"none fail", []specs.Hook{{Path: after}}, ""},
		{"first fails", []specs.Hook{{Path: fail}, {Path: after}}, "error running poststop hook #0: " + fail + ": exit status 3"},
		{"two fail", []specs.Hook{{Path: fail}, {Path: after}, {Path: fail}},
			"error running poststop hook #0: " + fail + ": exit status 3; error running poststop hook #2: " + fail + ": exit status 3"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			os.Remove(marker)
			err := RunAll("poststop", tt.hooks, testState)
			if msg := fmt.Sprint(err); tt.wantErr == "" && err != nil || tt.wantErr != "" && msg != tt.wantErr {
				t.Errorf("RunAll: %v, want %q", err, tt.wantErr)
			}
			if _, err := os.Stat(marker); err != nil {
				t.Errorf("the hook after a failed one did not run: %v", err)
			}
		})
	}
}

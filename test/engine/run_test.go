package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"echo", []string{"busybox", "echo", "hi"}, 0, "hi\n"},
		{"own code", []string{"busybox", "sh", "-c", "exit 3"}, 3, ""},
		{"pid 1 ignores its own SIGKILL", []string{"busybox", "sh", "-c", "kill -9 $$; exit 4"}, 4, ""},
		{"not found", []string{"busybox", "nosuch"}, 127, ""},
		{"not executable", []string{"busybox", "/etc/passwd"}, 126, ""},
		{"directory", []string{"busybox", "/etc"}, 126, ""},
		{"unknown image", []string{"--pull", "never", "nosuch-image"}, 125, ""},
		{"bad memory", []string{"-m", "1x", "busybox", "true"}, 125, ""},
		{"bad cpus", []string{"--cpus", "-1", "busybox", "true"}, 125, ""},
		{"missing bind", []string{"--mount", "type=bind,source=/nonexistent-berth,target=/x", "busybox", "true"}, 125, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Run(append([]string{"run", "--rm"}, tc.args...)...)
			if r.ExitCode != tc.code {
				t.Fatalf("exit %d, want %d (stderr %q)", r.ExitCode, tc.code, r.Stderr)
			}
			if tc.out != "" && r.Stdout != tc.out {
				t.Errorf("stdout %q, want %q", r.Stdout, tc.out)
			}
			if tc.code == 125 && strings.Count(strings.TrimSpace(r.Stderr), "\n") > 2 {
				t.Errorf("error is not short: %q", r.Stderr)
			}
		})
	}
	if ids := strings.TrimSpace(e.Must("ps", "-aq")); ids != "" {
		t.Errorf("--rm and failed runs left containers: %s", ids)
	}
}

func TestRunConfig(t *testing.T) {
	e := newEnv(t)
	host := t.TempDir()
	os.WriteFile(filepath.Join(host, "f"), []byte("from-host"), 0o644)
	envFile := filepath.Join(t.TempDir(), "env")
	os.WriteFile(envFile, []byte("# comment\nFROMFILE=yes\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"env", []string{"-e", "A=1", "--env-file", envFile, "busybox", "sh", "-c", "echo $A $FROMFILE"}, "1 yes"},
		{"workdir", []string{"-w", "/made/here", "busybox", "pwd"}, "/made/here"},
		{"user name", []string{"-u", "nobody", "busybox", "id", "-u"}, "65534"},
		{"user uid:gid", []string{"-u", "1000:1000", "busybox", "id"}, "uid=1000 gid=1000"},
		{"hostname", []string{"--hostname", "box", "busybox", "hostname"}, "box"},
		{"entrypoint", []string{"--entrypoint", "echo", "busybox", "a", "b"}, "a b"},
		{"pid 1", []string{"busybox", "sh", "-c", "echo $$"}, "1"},
		{"bind ro", []string{"-v", host + ":/h:ro", "busybox", "sh", "-c", "cat /h/f; touch /h/g 2>/dev/null || echo ' ro'"}, "from-host ro"},
		{"tmpfs", []string{"--tmpfs", "/scratch", "busybox", "sh", "-c", "grep -c ' /scratch tmpfs' /proc/mounts"}, "1"},
		{"read-only", []string{"--read-only", "busybox", "sh", "-c", "touch /x 2>/dev/null || echo ro"}, "ro"},
		{"network none", []string{"--network", "none", "busybox", "sh", "-c", "ls /sys/class/net | tr '\\n' ' '"}, "lo"},
		{"cap-drop", []string{"--cap-drop", "ALL", "busybox", "sh", "-c", "grep CapEff /proc/self/status"}, "CapEff:\t0000000000000000"},
		{"init", []string{"--init", "busybox", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '"}, "/sbin/berth-init -- sh -c"},
		{"label", []string{"-l", "a=b", "busybox", "true"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := strings.TrimSpace(e.Must(append([]string{"run", "--rm"}, tc.args...)...))
			if !strings.HasPrefix(out, tc.want) {
				t.Errorf("got %q, want prefix %q", out, tc.want)
			}
		})
	}
}

func TestStopTimeoutKillsIgnoringProcess(t *testing.T) {
	e := newEnv(t)
	// sh as PID 1 ignores SIGTERM: stop must fall back to SIGKILL.
	e.Must("run", "-d", "--name", "stubborn", "--stop-timeout", "1", "busybox", "sleep", "100")
	e.Must("stop", "stubborn")
	if got := e.Inspect("stubborn", "{{.State.Status}} {{.State.ExitCode}}"); got != "exited 137" {
		t.Errorf("after stop: %q, want exited 137", got)
	}
	// With --init, SIGTERM reaches sleep, which dies of it at once.
	e.Must("run", "-d", "--init", "--name", "inited", "busybox", "sh", "-c", "echo ready; exec sleep 100")
	e.WaitLog("inited", "ready") // berth-init has its signal handlers by then
	e.Must("stop", "-t", "10", "inited")
	if got := e.Inspect("inited", "{{.State.ExitCode}}"); got != "143" {
		t.Errorf("--init stop exit code %q, want 143", got)
	}
}

package runtime_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

func TestBadConfig(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*specs.Spec)
		names string // what the error line must name
	}{
		{"unknown namespace", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "foo"})
		}, "foo"},
		{"missing root", func(s *specs.Spec) { s.Root.Path = "no-such-rootfs" }, "no-such-rootfs"},
		{"bad mount type", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/badmount", Type: "berthnosuchfs", Source: "none"})
		}, "/badmount"},
		{"missing args0", func(s *specs.Spec) { s.Process.Args = []string{"/no-such-binary"} }, "/no-such-binary"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, b := setup(t)
			b.Update(c.edit)
			id := testutil.NewID(t)
			res := rt.Run(t, "run", "--bundle", b.Dir, id)
			if res.ExitCode != 1 {
				t.Errorf("exit %d, want 1", res.ExitCode)
			}
			testutil.OneErrorLine(t, res.Stderr, c.names)
			rt.AssertNothingLeft(t, id, b)
		})
	}
}

func TestWrongJSONType(t *testing.T) {
	rt, b := setup(t)
	data, err := os.ReadFile(b.ConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	raw["process"].(map[string]any)["args"] = "not-a-list"
	if data, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b.ConfigPath(), data, 0o644); err != nil {
		t.Fatal(err)
	}
	id := testutil.NewID(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, id)
	if res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", res.ExitCode)
	}
	testutil.OneErrorLine(t, res.Stderr, "args")
	rt.AssertNothingLeft(t, id, b)
}

func TestDuplicateID(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "100")
	id, st := rt.StartDetached(t, b)
	res := rt.Run(t, "create", "--bundle", b.Dir, id)
	if res.ExitCode != 1 {
		t.Errorf("create of an existing ID: exit %d, want 1", res.ExitCode)
	}
	// runc: container with given ID already exists
	testutil.OneErrorLine(t, res.Stderr, "already exists")
	if now := rt.State(t, id); now.Status != "running" || now.Pid != st.Pid {
		t.Errorf("the first container changed: %+v", now)
	}
	if procs, _ := testutil.ChildProcesses(); len(procs) != 1 {
		t.Errorf("processes after the refused create: %v, want only the first container's", procs)
	}
}

func TestLogFormatJSON(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("/no-such-binary")
	logFile := filepath.Join(t.TempDir(), "log.json")
	id := testutil.NewID(t)
	res := rt.Run(t, "--log-format", "json", "--log", logFile, "run", "--bundle", b.Dir, id)
	if res.ExitCode != 1 {
		t.Errorf("exit %d, want 1", res.ExitCode)
	}
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("log file: %v", err)
	}
	var sawError bool
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(l), &entry); err != nil {
			t.Fatalf("log line %q is not JSON: %v", l, err)
		}
		for _, k := range []string{"level", "msg", "time"} {
			if _, ok := entry[k]; !ok {
				t.Errorf("log line %q lacks %q", l, k)
			}
		}
		if entry["level"] == "error" && strings.Contains(entry["msg"].(string), "/no-such-binary") {
			sawError = true
		}
	}
	if !sawError {
		t.Errorf("log has no error line naming /no-such-binary:\n%s", data)
	}
	rt.AssertNothingLeft(t, id, b)
}

func TestSystemdCgroupWithoutSystemd(t *testing.T) {
	if _, err := os.Stat("/run/systemd/system"); err == nil {
		t.Skip("systemd runs on this host: the test needs a host without it")
	}
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { s.Linux.CgroupsPath = "system.slice:berthtest:" + "scope" })
	id := testutil.NewID(t)
	res := rt.Run(t, "--systemd-cgroup", "run", "--bundle", b.Dir, id)
	if res.ExitCode == 0 {
		t.Fatalf("--systemd-cgroup without systemd succeeded")
	}
	if !strings.Contains(strings.ToLower(res.Stderr), "systemd") && !strings.Contains(res.Stderr, "dbus") {
		t.Errorf("stderr %q does not say systemd (or its dbus) is missing", res.Stderr)
	}
	rt.AssertNothingLeft(t, id, b)
}

// TestExecveErrorOneLine: a program the kernel cannot exec fails run with
// one line in runc's words, which scripts match, and nothing else.
func TestExecveErrorOneLine(t *testing.T) {
	rt, b := setup(t)
	if err := os.WriteFile(filepath.Join(b.Rootfs, "run.sh"), []byte("#!/mmnnttbb foo bar\nsh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	b.Update(func(s *specs.Spec) { s.Process.Args = []string{"/run.sh"} })
	id := testutil.NewID(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, id)
	if res.ExitCode == 0 {
		t.Fatalf("run of a script with a missing interpreter exited 0")
	}
	if want := "exec /run.sh: no such file or directory\n"; res.Stderr != want {
		t.Errorf("stderr %q, want %q", res.Stderr, want)
	}
	rt.Run(t, "delete", "--force", id)
	rt.AssertNothingLeft(t, id, b)
}

package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cgroupLines maps each hierarchy's controllers ("" for cgroup2) to the
// path in a /proc/PID/cgroup text.
func cgroupLines(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) != 3 {
			t.Fatalf("cgroup line %q", line)
		}
		out[f[1]] = f[2]
	}
	return out
}

// hierarchyDir is the host directory of controllers' hierarchy.
func hierarchyDir(ctrls string) string {
	if ctrls == "" {
		if _, err := os.Stat("/sys/fs/cgroup/unified"); err == nil {
			return "/sys/fs/cgroup/unified"
		}
		return "/sys/fs/cgroup"
	}
	return "/sys/fs/cgroup/" + strings.TrimPrefix(ctrls, "name=")
}

// mkSubCgroup makes cgroup sub below dir, in the hierarchy of ctrls.
func mkSubCgroup(t *testing.T, ctrls, dir, sub string) string {
	t.Helper()
	dir = filepath.Join(dir, sub)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(ctrls, "cpuset") {
		// A v1 cpuset takes no task before it has cpus and mems.
		for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
			v, err := os.ReadFile(filepath.Join(dir, "..", f))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, f), v, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

// TestExecCgroup: exec --cgroup puts the process in an existing sub-cgroup
// of the container's, in every hierarchy (path) or in the named ones
// (controller:path), as runc's; a missing sub-cgroup or controller fails.
func TestExecCgroup(t *testing.T) {
	rt, b := setup(t)
	id, st := rt.RunningSleeper(t, b)
	data, err := os.ReadFile("/proc/" + itoa(st.Pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	init := cgroupLines(t, string(data))
	var made []string
	t.Cleanup(func() {
		for i := len(made) - 1; i >= 0; i-- {
			if err := os.Remove(made[i]); err != nil {
				t.Errorf("remove sub-cgroup: %v", err)
			}
		}
	})
	mkdir := func(ctrls, sub string) {
		made = append(made, mkSubCgroup(t, ctrls, filepath.Join(hierarchyDir(ctrls), init[ctrls]), sub))
	}
	var memory string
	for ctrls := range init {
		mkdir(ctrls, "all")
		for _, c := range strings.Split(ctrls, ",") {
			if c == "memory" {
				memory = ctrls
				mkdir(ctrls, "mem")
			}
		}
	}

	got := cgroupLines(t, rt.ExecOut(t, "--cgroup", "all", id, "cat", "/proc/self/cgroup"))
	for ctrls, path := range init {
		if got[ctrls] != path+"/all" {
			t.Errorf("exec --cgroup all: %q cgroup %s, want %s/all", ctrls, got[ctrls], path)
		}
	}
	if memory != "" {
		got = cgroupLines(t, rt.ExecOut(t, "--cgroup", "memory:mem", id, "cat", "/proc/self/cgroup"))
		for ctrls, path := range init {
			want := path
			if ctrls == memory {
				want += "/mem"
			}
			if got[ctrls] != want {
				t.Errorf("exec --cgroup memory:mem: %q cgroup %s, want %s", ctrls, got[ctrls], want)
			}
		}
	}
	// "/" is the container's own cgroup.
	got = cgroupLines(t, rt.ExecOut(t, "--cgroup", "/", id, "cat", "/proc/self/cgroup"))
	for ctrls, path := range init {
		if got[ctrls] != path {
			t.Errorf("exec --cgroup /: %q cgroup %s, want the container's %s", ctrls, got[ctrls], path)
		}
	}
	// A path cannot climb out of the container's cgroup; runc's words.
	for _, bad := range []struct{ arg, why string }{
		{"..", "bad sub cgroup path"},
		{"memory:all/../..", "bad sub cgroup path"},
		{"nosuch", " adding pid "},
		{"nosuch", "no such file or directory"},
		{"cpu:nosuch", "no such file or directory"},
		{"nosuchcontroller:all", "unknown controller nosuchcontroller"},
	} {
		res := rt.Run(t, "exec", "--cgroup", bad.arg, id, "true")
		if res.ExitCode == 0 || !strings.Contains(res.Stderr, bad.why) {
			t.Errorf("exec --cgroup %s: exit %d, stderr %q, want a failure saying %q", bad.arg, res.ExitCode, res.Stderr, bad.why)
		}
	}
}

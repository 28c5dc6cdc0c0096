package runtime_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

var (
	traceMount     = regexp.MustCompile(`\] mount\("[^"]*", "([^"]*)"`)
	traceMoveMount = regexp.MustCompile(`\] move_mount\([^"]*"", AT_FDCWD, "([^"]*)"`)
	traceWrite     = regexp.MustCompile(`\] write\((/sys/fs/cgroup/[^ ]+) <- (.*)\)$`)
	traceExecve    = regexp.MustCompile(`\] execve\("([^"]*)", \[`)
)

// traceRun runs args with --trace=FILE and returns the trace's lines.
func traceRun(t *testing.T, rt *testutil.Runtime, args ...string) []string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "trace")
	rt.MustRun(t, append([]string{"--trace=" + file}, args...)...)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatalf("--trace=%s wrote nothing: %v", file, err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("trace file mode %#o, want 0600", fi.Mode().Perm())
	}
	lastTrace = file
	return readTrace(t)
}

// lastTrace is the file of the last traceRun, which readTrace reads again.
var lastTrace string

func readTrace(t *testing.T) []string {
	t.Helper()
	b, _ := os.ReadFile(lastTrace)
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestTraceMatchesContainer checks the trace against what the kernel
// holds afterwards: every mount it names is in the container's mountinfo,
// every cgroup value it wrote is in the file, its last execve is the
// process's executable.
func TestTraceMatchesContainer(t *testing.T) {
	rt, b := setup(t)
	if rt.Name() != "berth-runtime" {
		t.Skip("--trace is berth-runtime's")
	}
	memoryLimit(b, 32<<20)
	b.SetArgs("sleep", "1000")
	id := testutil.NewID(t)
	lines := traceRun(t, rt, "run", "-d", "--bundle", b.Dir, id)
	st := rt.WaitState(t, id, "running", 10e9)
	pid := itoa(st.Pid)
	// The init traces its execve after start has returned: wait for it.
	for i := 0; i < 100 && !strings.Contains(strings.Join(lines, "\n"), "] execve(\"/bin/"); i++ {
		time.Sleep(20 * time.Millisecond)
		lines = readTrace(t)
	}

	mountinfo, err := os.ReadFile("/proc/" + pid + "/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	points := map[string]bool{}
	for _, l := range strings.Split(string(mountinfo), "\n") {
		if f := strings.Fields(l); len(f) > 4 {
			points[f[4]] = true
		}
	}
	rootfs, _ := filepath.EvalSymlinks(b.Rootfs)
	mounts, values, exe := 0, 0, ""
	for _, l := range lines {
		target := ""
		if m := traceMount.FindStringSubmatch(l); m != nil {
			target = m[1]
		} else if m := traceMoveMount.FindStringSubmatch(l); m != nil {
			target = m[1]
		}
		if target != "" && !strings.HasPrefix(target, ".") {
			if target == rootfs {
				target = "/"
			} else if rel, ok := strings.CutPrefix(target, rootfs+"/"); ok {
				target = "/" + rel
			}
			mounts++
			if !points[target] {
				t.Errorf("traced mount on %s is not in the container's mountinfo:\n%s", target, l)
			}
		}
		if m := traceWrite.FindStringSubmatch(l); m != nil && !strings.Contains(m[1], "/devices.") && filepath.Base(m[1]) != "tasks" {
			got, err := os.ReadFile(m[1])
			if err != nil || strings.TrimSpace(string(got)) != m[2] {
				t.Errorf("traced %s <- %s, the file holds %q (%v)", m[1], m[2], got, err)
			}
			if strings.HasSuffix(m[1], "memory.limit_in_bytes") || strings.HasSuffix(m[1], "memory.max") {
				values++
			}
		}
		if m := traceExecve.FindStringSubmatch(l); m != nil {
			exe = m[1]
		}
	}
	if mounts < 5 || values != 1 {
		t.Errorf("trace has %d mounts and %d memory limits, want >= 5 and 1:\n%s", mounts, values, strings.Join(lines, "\n"))
	}
	want, err1 := os.Stat(filepath.Join(rootfs, exe))
	got, err2 := os.Stat("/proc/" + pid + "/exe")
	if err1 != nil || err2 != nil || !os.SameFile(want, got) {
		t.Errorf("traced execve(%q) is not the process's exe (%v, %v)", exe, err1, err2)
	}

	// exec: the process joins the container's namespaces with setns.
	ex := traceRun(t, rt, "exec", id, "true")
	if s := strings.Join(ex, "\n"); !strings.Contains(s, "setns(/proc/"+pid+"/ns/mnt, CLONE_NEWNS)") ||
		!strings.Contains(s, `execve("/bin/true", ["true"])`) {
		t.Errorf("exec trace lacks the setns into the mount namespace or the execve:\n%s", s)
	}
}

// TestTraceJSONAndSize runs busybox true: the json format parses line by
// line, and the whole run stays short enough to read.
func TestTraceJSONAndSize(t *testing.T) {
	rt, b := setup(t)
	if rt.Name() != "berth-runtime" {
		t.Skip("--trace is berth-runtime's")
	}
	b.SetArgs("true")
	text := traceRun(t, rt, "run", "--bundle", b.Dir, testutil.NewID(t))
	if len(text) >= 150 {
		t.Errorf("run of true traced %d lines, want fewer than 150", len(text))
	}
	procs := map[string]bool{}
	for _, l := range traceRun(t, rt, "--trace-format", "json", "run", "--bundle", b.Dir, testutil.NewID(t)) {
		var rec struct {
			Time, Proc, Call string
			Pid              int
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(l)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil || rec.Time == "" || rec.Call == "" || rec.Pid == 0 {
			t.Errorf("json trace line %q: %+v %v", l, rec, err)
		}
		procs[rec.Proc] = true
	}
	if !procs["runtime"] || !procs["nsenter"] {
		t.Errorf("json trace names processes %v, want runtime and nsenter", procs)
	}
	res := rt.Run(t, "--trace-format", "xml", "run", "--bundle", b.Dir, testutil.NewID(t))
	if msg := strings.TrimSpace(res.Stderr); res.ExitCode == 0 || strings.Count(msg, "\n") != 0 || !strings.Contains(msg, "--trace-format") {
		t.Errorf("bad --trace-format: exit %d, stderr %q; want one line naming the flag", res.ExitCode, res.Stderr)
	}
}

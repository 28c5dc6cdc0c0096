package runtime_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
)

// hostHierarchies maps each of this process's cgroup hierarchies (v1
// controllers, "" for cgroup2) to its mount, from /proc/self/cgroup.
func hostHierarchies(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for ctrls := range cgroupLines(t, string(data)) {
		if dir := hierarchyDir(ctrls); exists(dir) {
			out[ctrls] = dir
		}
	}
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// sharedCgroupPath gives the bundle an absolute cgroupsPath, under a
// parent of the test's own that cleanup removes from every hierarchy (the
// runtime leaves parents it made, as runc).
func sharedCgroupPath(t *testing.T, b *testutil.Bundle) string {
	t.Helper()
	parent := "/" + testutil.NewID(t)
	path := parent + "/ct"
	b.Update(func(s *specs.Spec) { s.Linux.CgroupsPath = path })
	t.Cleanup(func() {
		for _, mnt := range hostHierarchies(t) {
			for _, d := range []string{path, parent} {
				if err := os.Remove(filepath.Join(mnt, d)); err != nil && !os.IsNotExist(err) {
					t.Errorf("remove test cgroup: %v", err)
				}
			}
		}
	})
	return path
}

// TestCgroupExistingCgroup: a cgroupsPath naming a cgroup in use is
// refused at create, with runc's one line and nothing of the cgroup
// touched: one with a process in it (another container), and one that is
// frozen, where the init would hang.
func TestCgroupExistingCgroup(t *testing.T) {
	t.Run("NonEmpty", func(t *testing.T) {
		rt, b := setup(t)
		sharedCgroupPath(t, b)
		b.SetArgs("sleep", "60")
		first, st := rt.StartDetached(t, b)
		for _, cmd := range []string{"create", "run"} {
			args := []string{cmd, "--bundle", b.Dir}
			if cmd == "run" {
				args = append(args, "--detach")
			}
			res := rt.Run(t, append(args, testutil.NewID(t))...)
			msg := strings.TrimSpace(res.Stderr)
			if res.ExitCode == 0 || !strings.Contains(msg, "container's cgroup is not empty") || strings.Count(msg, "\n") > 0 {
				t.Errorf("%s in the cgroup of a running container: exit %d, stderr %q; want one line saying it is not empty", cmd, res.ExitCode, msg)
			}
		}
		if got := rt.State(t, first); got.Status != "running" || got.Pid != st.Pid {
			t.Errorf("the first container after the refusals: %+v", got)
		}
		rt.MustRun(t, "delete", "--force", first)
	})
	t.Run("Frozen", func(t *testing.T) {
		rt, b := setup(t)
		path := sharedCgroupPath(t, b)
		hs := hostHierarchies(t)
		dir, file, state := filepath.Join(hs[""], path), "cgroup.freeze", "1"
		if mnt, ok := hs["freezer"]; ok {
			dir, file, state = filepath.Join(mnt, path), "freezer.state", "FROZEN"
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, file), []byte(state), 0o644); err != nil {
			t.Skipf("cannot freeze %s: %v", dir, err)
		}
		t.Cleanup(func() {
			_ = os.WriteFile(filepath.Join(dir, file), []byte(map[string]string{"1": "0", "FROZEN": "THAWED"}[state]), 0o644)
		})
		b.SetArgs("true")
		for _, cmd := range []string{"run", "create"} {
			start := time.Now()
			res := rt.Run(t, cmd, "--bundle", b.Dir, testutil.NewID(t))
			msg := strings.TrimSpace(res.Stderr)
			if res.ExitCode == 0 || !strings.Contains(msg, "container's cgroup unexpectedly frozen") || strings.Count(msg, "\n") > 0 {
				t.Errorf("%s in a frozen cgroup: exit %d, stderr %q; want one line saying it is frozen", cmd, res.ExitCode, msg)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("%s in a frozen cgroup took %v", cmd, d)
			}
		}
		if !exists(dir) {
			t.Errorf("the refused create removed the existing cgroup %s", dir)
		}
	})
}

// cgroupValue reads a file of the cgroup of pid (see cgroupFile).
func cgroupValue(t *testing.T, pid int, controller, file string) string {
	t.Helper()
	data, err := os.ReadFile(cgroupFile(t, pid, controller, file))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}

// TestCgroupUpdateCPUIdle: update --cpu-idle and resources' cpu.idle set
// the cgroup's SCHED_IDLE flag; a value the kernel refuses fails and
// leaves the flag as it was; other updates leave it alone (runc's
// "update cgroup cpu.idle").
func TestCgroupUpdateCPUIdle(t *testing.T) {
	rt, b := setup(t)
	id, st := rt.RunningSleeper(t, b)
	if !exists(cgroupFile(t, st.Pid, "cpu", "cpu.idle")) {
		t.Skip("the kernel has no cpu.idle")
	}
	for _, v := range []string{"1", "0", "1"} {
		cmd := rt.Command("update", "-r", "-", id)
		cmd.Stdin = strings.NewReader(`{"cpu":{"idle":` + v + `}}`)
		if res := rt.RunCmd(t, cmd); res.ExitCode != 0 {
			t.Fatalf("update -r cpu.idle %s: %s", v, res.Stderr)
		}
		if got := cgroupValue(t, st.Pid, "cpu", "cpu.idle"); got != v {
			t.Errorf("after update -r idle %s: cpu.idle %s", v, got)
		}
	}
	for _, v := range []string{"0", "1"} {
		rt.MustRun(t, "update", "--cpu-idle", v, id)
		if got := cgroupValue(t, st.Pid, "cpu", "cpu.idle"); got != v {
			t.Errorf("after --cpu-idle %s: cpu.idle %s", v, got)
		}
	}
	for _, v := range []string{"-1", "2"} {
		if res := rt.Run(t, "update", "--cpu-idle", v, id); res.ExitCode == 0 {
			t.Errorf("update --cpu-idle %s succeeded", v)
		}
	}
	rt.MustRun(t, "update", "--cpu-period", "10000", id)
	if got := cgroupValue(t, st.Pid, "cpu", "cpu.idle"); got != "1" {
		t.Errorf("after refused values and a period update: cpu.idle %s, want 1", got)
	}
}

// TestCgroupUpdateRealtime: the realtime period and runtime are updated
// in whichever order the kernel accepts, including a period below the
// current runtime (runc's "update rt period and runtime", v1 only: v2
// has no realtime controller).
func TestCgroupUpdateRealtime(t *testing.T) {
	rt, b := setup(t)
	mnt, ok := hostHierarchies(t)["cpu,cpuacct"]
	if !ok {
		mnt, ok = hostHierarchies(t)["cpu"]
	}
	if !ok || !exists(filepath.Join(mnt, "cpu.rt_runtime_us")) {
		t.Skip("no v1 cpu hierarchy with realtime group scheduling")
	}
	path := sharedCgroupPath(t, b)
	// A new cgroup gets no realtime runtime, and a child cannot have more
	// than its parent: give the test's levels the root's.
	root := func(f string) []byte {
		v, err := os.ReadFile(filepath.Join(mnt, f))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	period, runtime := root("cpu.rt_period_us"), root("cpu.rt_runtime_us")
	for _, d := range []string{filepath.Dir(path), path} {
		dir := filepath.Join(mnt, d)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, v := range map[string][]byte{"cpu.rt_period_us": period, "cpu.rt_runtime_us": runtime} {
			if err := os.WriteFile(filepath.Join(dir, f), v, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.SetArgs("sleep", "60")
	id, _ := rt.StartDetached(t, b)
	check := func(when, wantPeriod, wantRuntime string) {
		t.Helper()
		dir := filepath.Join(mnt, path)
		p, _ := os.ReadFile(filepath.Join(dir, "cpu.rt_period_us"))
		r, _ := os.ReadFile(filepath.Join(dir, "cpu.rt_runtime_us"))
		if strings.TrimSpace(string(p)) != wantPeriod || strings.TrimSpace(string(r)) != wantRuntime {
			t.Errorf("after %s: period %s runtime %s, want %s %s", when, p, r, wantPeriod, wantRuntime)
		}
	}
	for _, u := range []struct{ period, runtime string }{{"900001", "600001"}, {"10000", "3000"}, {"100000", "20000"}} {
		rt.MustRun(t, "update", "--cpu-rt-period", u.period, "--cpu-rt-runtime", u.runtime, id)
		check("--cpu-rt-period "+u.period, u.period, u.runtime)
	}
	cmd := rt.Command("update", "-r", "-", id)
	cmd.Stdin = strings.NewReader(`{"cpu":{"realtimeRuntime":5001}}`)
	if res := rt.RunCmd(t, cmd); res.ExitCode != 0 {
		t.Fatalf("update -r realtimeRuntime: %s", res.Stderr)
	}
	check("realtimeRuntime alone", "100000", "5001")
	rt.MustRun(t, "delete", "--force", id)
}

// TestCgroupUpdateDevices: a deny-all spec with a redundant deny (with an
// access letter the kernel does not know, as in runc's test) starts, and
// updates never open or close a device even for a moment: a loop reading
// a denied device prints nothing while the rules are written again and
// again, and /dev/null stays usable (runc's "update devices [minimal
// transition rules]").
func TestCgroupUpdateDevices(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		mode := os.FileMode(0o666)
		s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{Path: "/dev/kmsg", Type: "c", Major: 1, Minor: 11, FileMode: &mode})
		r := resources(s)
		r.Devices = []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}, {Allow: false, Type: "c", Major: i64(1), Minor: i64(11), Access: "rwa"}}
		s.Process.Capabilities.Bounding = append(s.Process.Capabilities.Bounding, "CAP_SYSLOG")
		s.Process.Capabilities.Effective = append(s.Process.Capabilities.Effective, "CAP_SYSLOG")
		s.Process.Capabilities.Permitted = append(s.Process.Capabilities.Permitted, "CAP_SYSLOG")
	})
	b.Shell("while :; do head -c 100 /dev/kmsg 2>/dev/null; echo x >/dev/null || echo null-denied; done")
	id := testutil.NewID(t)
	cmd := rt.Command("run", "--bundle", b.Dir, id)
	var out testutil.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		rt.Run(t, "delete", "--force", id)
		_ = cmd.Wait()
	}()
	// A minute: the VM's emulated CPU takes several seconds to start one.
	testutil.Eventually(t, time.Minute, func() bool { return rt.Run(t, "state", id).ExitCode == 0 && rt.State(t, id).Status == "running" },
		func() string { return "the container did not start:\n" + out.String() })
	devices := `{"devices":[{"allow":false,"access":"rwm"},{"allow":false,"type":"c","major":1,"minor":11,"access":"rwa"}]}`
	for i := 0; i < 15; i++ {
		rt.MustRun(t, "update", "--pids-limit", "30", id)
		up := rt.Command("update", "-r", "-", id)
		up.Stdin = strings.NewReader(devices)
		if res := rt.RunCmd(t, up); res.ExitCode != 0 {
			t.Fatalf("update -r devices: %s", res.Stderr)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if got := out.String(); got != "" {
		t.Errorf("the container read /dev/kmsg or lost /dev/null during updates:\n%.300s", got)
	}
}

// TestCgroupPidsLimitZero: a pids limit of 0 means 1, as runc 1.2 and
// later (its systemd driver has no TasksMax=0); -1 means none.
func TestCgroupPidsLimitZero(t *testing.T) {
	for _, tc := range []struct {
		limit int64
		want  string
	}{{0, "1"}, {-1, "max"}} {
		rt, b := setup(t)
		b.Update(func(s *specs.Spec) { resources(s).Pids = &specs.LinuxPids{Limit: i64(tc.limit)} })
		b.SetArgs("sleep", "60")
		id, st := rt.StartDetached(t, b)
		if got := cgroupValue(t, st.Pid, "pids", "pids.max"); got != tc.want {
			t.Errorf("pids.limit %d: pids.max %s, want %s", tc.limit, got, tc.want)
		}
		rt.MustRun(t, "delete", "--force", id)
	}
}

// TestCgroupUnifiedOnV1Refused: linux.resources.unified (raw cgroup v2
// files) is refused where the controllers are v1's, with runc's "invalid
// configuration", before the container starts.
func TestCgroupUnifiedOnV1Refused(t *testing.T) {
	if pureV2() {
		t.Skip("a pure cgroup v2 host takes unified settings")
	}
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { resources(s).Unified = map[string]string{"memory.min": "131072"} })
	id := testutil.NewID(t)
	res := rt.Run(t, "run", "--bundle", b.Dir, id)
	if msg := strings.TrimSpace(res.Stderr); res.ExitCode == 0 || !strings.Contains(msg, "invalid configuration") || strings.Contains(msg, "\n") {
		t.Errorf("unified on cgroup v1: exit %d, stderr %q; want one line saying invalid configuration", res.ExitCode, msg)
	}
	if dirs, err := testutil.CgroupDirs(id); err != nil || len(dirs) > 0 {
		t.Errorf("the refused run left cgroups: %v %v", dirs, err)
	}
}

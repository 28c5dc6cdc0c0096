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

// These tests check resource control from the kernel's side: the cgroup
// files a container gets, and what the kernel did (OOM kill, throttling,
// refused forks). They run on whatever layout the host has; `make vm-test`
// runs them again in a pure cgroup v2 VM.

// cgStats is the part of `events --stats` the tests read.
type cgStats struct {
	Type string `json:"type"`
	Data struct {
		CPU struct {
			Usage struct {
				Total uint64 `json:"total"`
			} `json:"usage"`
			Throttling struct {
				Periods          uint64 `json:"periods"`
				ThrottledPeriods uint64 `json:"throttledPeriods"`
			} `json:"throttling"`
		} `json:"cpu"`
		Memory struct {
			Usage struct {
				Limit uint64 `json:"limit"`
				Usage uint64 `json:"usage"`
			} `json:"usage"`
		} `json:"memory"`
		Pids struct {
			Current uint64 `json:"current"`
			Limit   uint64 `json:"limit"`
		} `json:"pids"`
	} `json:"data"`
}

func stats(t *testing.T, rt *testutil.Runtime, id string) cgStats {
	t.Helper()
	res := rt.MustRun(t, "events", "--stats", id)
	var s cgStats
	if err := json.Unmarshal([]byte(res.Stdout), &s); err != nil || s.Type != "stats" {
		t.Fatalf("events --stats %s: %v\n%s", id, err, res.Stdout)
	}
	return s
}

// cgroupFile is the path of a controller's file in the cgroup of pid, on v1
// (the controller's hierarchy) or v2 (the unified one).
func cgroupFile(t *testing.T, pid int, controller, file string) string {
	t.Helper()
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	var unified string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if parts[1] == "" {
			unified = parts[2]
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == controller {
				return filepath.Join("/sys/fs/cgroup", parts[1], parts[2], file)
			}
		}
	}
	root := "/sys/fs/cgroup"
	if _, err := os.Stat(filepath.Join(root, "unified")); err == nil {
		root = filepath.Join(root, "unified")
	}
	return filepath.Join(root, unified, file)
}

func readCgroupKey(t *testing.T, path, key string) uint64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, " "); ok && k == key {
			n, _ := strconv.ParseUint(v, 10, 64)
			return n
		}
	}
	t.Fatalf("%s has no %q:\n%s", path, key, data)
	return 0
}

func resources(s *specs.Spec) *specs.LinuxResources {
	if s.Linux.Resources == nil {
		s.Linux.Resources = &specs.LinuxResources{}
	}
	return s.Linux.Resources
}

func i64(v int64) *int64 { return &v }

// memoryLimit sets memory and memory+swap, so swap cannot absorb the hog.
func memoryLimit(b *testutil.Bundle, limit int64) {
	b.Update(func(s *specs.Spec) {
		resources(s).Memory = &specs.LinuxMemory{Limit: i64(limit), Swap: i64(limit)}
	})
}

func TestCgroupMemoryHogOOMKilled(t *testing.T) {
	rt, b := setup(t)
	memoryLimit(b, 32<<20)
	// The hog starts once events watches (a sleep was not enough in a VM).
	gate := b.BindHostDir("/gate")
	b.Shell("while [ ! -e /gate/go ]; do sleep 0.05; done; exec tail /dev/zero")
	// create and start, as containerd: run's delete of the cgroup at the
	// exit races events' read of the OOM count (as runc's does).
	id := testutil.NewID(t)
	rt.MustRun(t, "create", "--bundle", b.Dir, id)
	rt.MustRun(t, "start", id)
	events := rt.Command("events", "--interval", "1h", id)
	var out testutil.Buffer
	events.Stdout, events.Stderr = &out, &out
	if err := events.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		events.Process.Kill()
		events.Wait()
	}()
	testutil.Eventually(t, 10*time.Second, func() bool { return watchesOOM(events.Process.Pid) },
		func() string { return "events never opened its OOM watch:\n" + out.String() })
	if err := os.WriteFile(filepath.Join(gate, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rt.WaitState(t, id, "stopped", 10*time.Second)
	if !out.WaitFor(`"type":"oom"`, 5*time.Second) {
		t.Errorf("events printed no oom event:\n%s", out.String())
	}
}

// watchesOOM: pid holds what oom.Start opens, an inotify watch
// (v2) or an eventfd beside Go's netpoller's own (v1).
func watchesOOM(pid int) bool {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, _ := os.ReadDir(dir)
	eventfds := 0
	for _, fd := range fds {
		switch l, _ := os.Readlink(filepath.Join(dir, fd.Name())); l {
		case "anon_inode:inotify":
			info, _ := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, fd.Name()))
			if strings.Contains(string(info), "inotify wd:") {
				return true
			}
		case "anon_inode:[eventfd]":
			eventfds++
		}
	}
	return eventfds >= 2
}

func TestCgroupMemoryOneMiBRunsEcho(t *testing.T) {
	rt, b := setup(t)
	if rt.Name() == "runc" {
		t.Skip("runc charges its own Go init to the container and fails below about 4 MiB (crun's README)")
	}
	memoryLimit(b, 1<<20)
	b.SetArgs("echo", "small")
	res := rt.RunBundle(t, b)
	if res.ExitCode != 0 || strings.TrimSpace(res.Stdout) != "small" {
		t.Fatalf("echo under a 1 MiB limit: exit %d, stdout %q", res.ExitCode, res.Stdout)
	}
}

func TestCgroupForkBombStoppedAtPidsMax(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { resources(s).Pids = &specs.LinuxPids{Limit: i64(16)} })
	// The subshell dies at the first refused fork; pid 1 lives on.
	b.Shell("(for i in $(seq 1 64); do sleep 60 & done) 2>/dev/null; exec sleep 60")
	id, st := rt.StartDetached(t, b)
	eventsFile := cgroupFile(t, st.Pid, "pids", "pids.events")
	testutil.Eventually(t, 10*time.Second, func() bool { return readCgroupKey(t, eventsFile, "max") != 0 },
		func() string { return eventsFile + ": no fork refused at pids.max" })
	s := stats(t, rt, id)
	if s.Data.Pids.Limit != 16 || s.Data.Pids.Current > 16 || s.Data.Pids.Current < 2 {
		t.Errorf("pids: current %d, limit %d; want at most 16 of 16", s.Data.Pids.Current, s.Data.Pids.Limit)
	}
	// The subshell that hit the limit may still be exiting: ps and
	// pids.current agree once the count holds still.
	var pids []int
	var current uint64
	testutil.Eventually(t, 5*time.Second, func() bool {
		res := rt.MustRun(t, "ps", "-f", "json", id)
		pids = nil
		if err := json.Unmarshal([]byte(res.Stdout), &pids); err != nil {
			t.Fatalf("ps -f json: %v: %q", err, res.Stdout)
		}
		current = stats(t, rt, id).Data.Pids.Current
		return len(pids) == int(current)
	}, func() string { return fmt.Sprintf("ps -f json: %v, pids.current %d", pids, current) })
	table := rt.MustRun(t, "ps", id).Stdout
	if !strings.Contains(strings.SplitN(table, "\n", 2)[0], "PID") || !strings.Contains(table, "sleep 60") {
		t.Errorf("ps table:\n%s", table)
	}
}

func TestCgroupCPUQuotaThrottles(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		period := uint64(20000)
		resources(s).CPU = &specs.LinuxCPU{Quota: i64(2000), Period: &period}
	})
	b.Shell("while :; do :; done")
	id, _ := rt.StartDetached(t, b)
	var s cgStats
	testutil.Eventually(t, 5*time.Second, func() bool { s = stats(t, rt, id); return s.Data.CPU.Throttling.ThrottledPeriods > 0 },
		func() string {
			return fmt.Sprintf("a busy loop at 10%% quota was never throttled: %+v", s.Data.CPU.Throttling)
		})
}

func TestCgroupPauseResume(t *testing.T) {
	rt, b := setup(t)
	b.Shell("while :; do :; done")
	id, _ := rt.StartDetached(t, b)
	rt.MustRun(t, "pause", id)
	if st := rt.State(t, id); st.Status != "paused" {
		t.Fatalf("after pause: state %q, want paused", st.Status)
	}
	before := stats(t, rt, id).Data.CPU.Usage.Total
	time.Sleep(300 * time.Millisecond)
	if after := stats(t, rt, id).Data.CPU.Usage.Total; after != before {
		t.Errorf("a paused busy loop used %d ns of CPU", after-before)
	}
	if res := rt.Run(t, "pause", id); res.ExitCode == 0 {
		t.Error("pausing a paused container succeeded")
	}
	rt.MustRun(t, "resume", id)
	if st := rt.State(t, id); st.Status != "running" {
		t.Fatalf("after resume: state %q, want running", st.Status)
	}
	testutil.Eventually(t, 5*time.Second, func() bool { return stats(t, rt, id).Data.CPU.Usage.Total > before },
		func() string { return "the busy loop made no progress after resume" })
	// delete --force of a paused container must thaw it to kill it.
	rt.MustRun(t, "pause", id)
	rt.MustRun(t, "delete", "--force", id)
}

func TestCgroupLiveUpdate(t *testing.T) {
	rt, b := setup(t)
	memoryLimit(b, 64<<20)
	b.Update(func(s *specs.Spec) { resources(s).Pids = &specs.LinuxPids{Limit: i64(50)} })
	b.SetArgs("sleep", "60")
	id, _ := rt.StartDetached(t, b)
	rt.MustRun(t, "update", "--memory", "48m", "--memory-swap", "48m", "--pids-limit", "30", id)
	s := stats(t, rt, id)
	if s.Data.Memory.Usage.Limit != 48<<20 || s.Data.Pids.Limit != 30 {
		t.Errorf("after update: memory limit %d, pids limit %d; want %d, 30", s.Data.Memory.Usage.Limit, s.Data.Pids.Limit, 48<<20)
	}
	cmd := rt.Command("update", "-r", "-", id)
	cmd.Stdin = strings.NewReader(`{"memory":{"limit":100663296,"swap":100663296},"pids":{"limit":40}}`)
	if res := rt.RunCmd(t, cmd); res.ExitCode != 0 {
		t.Fatal("update -r - failed")
	}
	s = stats(t, rt, id)
	if s.Data.Memory.Usage.Limit != 96<<20 || s.Data.Pids.Limit != 40 {
		t.Errorf("after update -r: memory limit %d, pids limit %d; want %d, 40", s.Data.Memory.Usage.Limit, s.Data.Pids.Limit, 96<<20)
	}
	if res := rt.Run(t, "update", "--memory", "lots", id); res.ExitCode == 0 {
		t.Error("update --memory lots succeeded")
	}
}

// TestCgroupDeviceRuleDenies gives the container /dev/kmsg and rules that
// allow it and then deny it: the last rule wins, writing is refused, while
// the default devices still work.
func TestCgroupDeviceRuleDenies(t *testing.T) {
	for _, deny := range []bool{false, true} {
		rt, b := setup(t)
		b.Update(func(s *specs.Spec) {
			mode := os.FileMode(0o666)
			s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{Path: "/dev/kmsg", Type: "c", Major: 1, Minor: 11, FileMode: &mode})
			r := resources(s)
			r.Devices = append(r.Devices, specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: i64(1), Minor: i64(11), Access: "rwm"})
			if deny {
				r.Devices = append(r.Devices, specs.LinuxDeviceCgroup{Allow: false, Type: "c", Major: i64(1), Minor: i64(11), Access: "w"})
			}
		})
		got := rt.ShellOutput(t, b, "if echo berth-device-test > /dev/kmsg; then echo open; else echo denied; fi 2>/dev/null; echo x > /dev/null && echo null-ok")
		want := "open\nnull-ok"
		if deny {
			want = "denied\nnull-ok"
		}
		if got != want {
			t.Errorf("deny=%v: got %q, want %q", deny, got, want)
		}
	}
}

func TestCgroupStatsAfterWork(t *testing.T) {
	rt, b := setup(t)
	b.Shell("i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo done; sleep 60")
	id, _ := rt.StartDetached(t, b)
	var s cgStats
	testutil.Eventually(t, 5*time.Second, func() bool {
		s = stats(t, rt, id)
		return s.Data.CPU.Usage.Total > 0 && s.Data.Memory.Usage.Usage > 0 && s.Data.Pids.Current > 0
	}, func() string {
		return fmt.Sprintf("stats after work: cpu %d ns, memory %d bytes, pids %d", s.Data.CPU.Usage.Total, s.Data.Memory.Usage.Usage, s.Data.Pids.Current)
	})
	// events --interval streams stats until stopped.
	events := rt.Command("events", "--interval", "100ms", id)
	var out testutil.Buffer
	events.Stdout, events.Stderr = &out, &out
	if err := events.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		events.Process.Kill()
		events.Wait()
	}()
	testutil.Eventually(t, 10*time.Second, func() bool { return strings.Count(out.String(), `"type":"stats"`) >= 2 },
		func() string { return "events --interval 100ms printed fewer than 2 stats in 10s:\n" + out.String() })
}

func TestCgroupDeleteRemovesCgroup(t *testing.T) {
	rt, b := setup(t)
	b.SetArgs("sleep", "60")
	id, _ := rt.StartDetached(t, b)
	if dirs, err := testutil.CgroupDirs(id); err != nil || len(dirs) == 0 {
		t.Fatalf("running container has no cgroup dirs: %v %v", dirs, err)
	}
	rt.MustRun(t, "delete", "--force", id)
	if dirs, err := testutil.CgroupDirs(id); err != nil || len(dirs) > 0 {
		t.Errorf("after delete: %v %v", dirs, err)
	}
}

func TestCgroupFailedCreateLeavesNoCgroup(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) { resources(s).CPU = &specs.LinuxCPU{Cpus: "4095"} })
	id := testutil.NewID(t)
	res := rt.Run(t, "create", "--bundle", b.Dir, id)
	if res.ExitCode == 0 {
		t.Fatal("create with cpuset.cpus 4095 succeeded")
	}
	if !strings.Contains(res.Stderr, "cpuset.cpus") {
		t.Errorf("error does not name cpuset.cpus: %s", res.Stderr)
	}
	if dirs, err := testutil.CgroupDirs(id); err != nil || len(dirs) > 0 {
		t.Errorf("failed create left cgroups: %v %v", dirs, err)
	}
}

// TestCgroupPidsLimitSetAtCreated: the pids limit is in force once create
// returns, before start lets the program run, for a container built by
// the C init and for one built by the Go init (a terminal needs it); so a
// kill of start at any moment never leaves the program without it.
func TestCgroupPidsLimitSetAtCreated(t *testing.T) {
	for _, tc := range []struct {
		name     string
		terminal bool
	}{{"c-init", false}, {"go-init", true}} {
		t.Run(tc.name, func(t *testing.T) {
			rt, b := setup(t)
			b.Update(func(s *specs.Spec) {
				resources(s).Pids = &specs.LinuxPids{Limit: i64(5)}
				s.Process.Terminal = tc.terminal
			})
			b.Shell("sleep 60")
			id := testutil.NewID(t)
			args := []string{"create", "--bundle", b.Dir, id}
			if tc.terminal {
				cs := testutil.NewConsoleSocket(t)
				args = append(args, "--console-socket", cs.Path)
			}
			rt.MustRun(t, args...)
			st := rt.State(t, id)
			if st.Status != "created" {
				t.Fatalf("state after create: %s", st.Status)
			}
			limit := cgroupFile(t, st.Pid, "pids", "pids.max")
			if got, err := os.ReadFile(limit); err != nil || strings.TrimSpace(string(got)) != "5" {
				t.Errorf("%s at created: %q %v, want 5", limit, got, err)
			}
			rt.MustRun(t, "start", id)
			rt.WaitState(t, id, "running", 10*time.Second)
			if got, _ := os.ReadFile(limit); strings.TrimSpace(string(got)) != "5" {
				t.Errorf("%s once running: %q, want 5", limit, got)
			}
			rt.MustRun(t, "delete", "-f", id)
		})
	}
}

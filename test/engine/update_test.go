package engine_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestUpdateLive changes a running container's limits: the cgroup files
// change at once and inspect's HostConfig shows the new values.
func TestUpdateLive(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.must("run", "-d", "--name", "upd", "-m", "64m", "busybox", "sleep", "100"))
	out := e.must("update", "-m", "128m", "--memory-swap", "256m", "--memory-reservation", "32m", "--cpus", "0.5",
		"--cpu-shares", "512", "--cpuset-cpus", "0", "--pids-limit", "50", "--restart", "on-failure:3", "upd")
	if out != "upd\n" {
		t.Errorf("update printed %q, want the name as given", out)
	}
	checkCgroupFiles(t, id, "update", []cgroupWant{
		{"memory", "memory.limit_in_bytes", "memory.max", "134217728"},
		{"memory", "memory.soft_limit_in_bytes", "memory.low", "33554432"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "50000"},
		{"cpu", "cpu.shares", "cpu.weight", "512"},
		{"cpuset", "cpuset.cpus", "cpuset.cpus", "0"},
		{"pids", "pids.max", "pids.max", "50"},
	})
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); err == nil {
		if got := cgroupFile(t, id, "memory", "memory.memsw.limit_in_bytes", ""); got != "268435456" {
			t.Errorf("--memory-swap 256m: memsw limit %q", got)
		}
	}
	want := "134217728 268435456 33554432 500000000 512 0 50 on-failure 3"
	got := e.inspect("upd", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} "+
		"{{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}} "+
		"{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}")
	if got != want {
		t.Errorf("inspect after update: %q, want %q", got, want)
	}
	// Unlimited again: -1 pids, 0 CPUs.
	e.must("update", "--pids-limit", "-1", "--cpus", "0", "upd")
	if got := cgroupFile(t, id, "pids", "pids.max", "pids.max"); got != "max" {
		t.Errorf("--pids-limit -1: pids.max %q", got)
	}
	if got := cgroupFile(t, id, "cpu", "cpu.cfs_quota_us", "cpu.max"); got != "-1" && !strings.HasPrefix(got, "max") {
		t.Errorf("--cpus 0: quota %q", got)
	}
}

// TestUpdateRejects checks Docker's errors, and that a limit the kernel
// refuses (below what the container uses) changes neither the cgroup nor
// the record.
func TestUpdateRejects(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.must("run", "-d", "--name", "rej", "-m", "64m", "--memory-swap", "64m", "busybox", "sleep", "100"))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-m", "4m"}, 1, "minimum memory limit allowed is 6MB"},
		{[]string{"-m", "100m", "--memory-swap", "80m"}, 1, "minimum memoryswap limit should be larger than memory limit"},
		{[]string{"-m", "100m"}, 1, "memory limit should be smaller than already set memoryswap limit"},
		{[]string{"--memory-reservation", "100m"}, 1, "minimum memory limit can not be less than memory reservation limit"},
		{[]string{"--cpus", "1", "--cpu-period", "50000"}, 1, "conflicting options"},
		{[]string{"--cpu-period", "10"}, 1, "CPU cfs period can not be less than 1ms"},
		{[]string{"--cpuset-cpus", "0-999"}, 1, "requested CPUs are not available"},
		{[]string{"--cpuset-cpus", "x"}, 1, "invalid value x for cpuset cpus"},
		{[]string{"--restart", "sometimes"}, 1, "invalid restart policy"},
		{[]string{"-m", "lots"}, 125, "invalid argument"},
		{[]string{"--cpus", "half"}, 125, "invalid argument"},
		{[]string{"--pids-limit", "many"}, 125, "invalid argument"},
		{nil, 1, "you must provide one or more flags"},
	} {
		r := e.run(append(append([]string{"update"}, tc.args...), "rej")...)
		if r.code != tc.code || !strings.Contains(strings.ToLower(r.stderr), strings.ToLower(tc.want)) {
			t.Errorf("update %v: exit %d, %q; want exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	// 20 MiB in tmpfs is charged to the container: 8m cannot hold it.
	e.must("exec", "rej", "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=20")
	r := e.run("update", "-m", "8m", "--memory-swap", "8m", "rej")
	if r.code != 1 || !strings.Contains(r.stderr, id) {
		t.Errorf("limit below usage: exit %d, %q; want exit 1 naming the container", r.code, r.stderr)
	}
	if got := cgroupFile(t, id, "memory", "memory.limit_in_bytes", "memory.max"); got != "67108864" {
		t.Errorf("refused limit: cgroup now %q, want 67108864 kept", got)
	}
	if got := e.inspect("rej", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"); got != "67108864 67108864" {
		t.Errorf("refused limit: record now %q", got)
	}
	if r := e.run("update", "-m", "32m", "nosuch"); r.code != 1 {
		t.Errorf("update of a missing container: exit %d", r.code)
	}
}

// TestUpdateStopped updates created containers (the record only; start
// applies it) and several at once, and a runc container through runc.
func TestUpdateStopped(t *testing.T) {
	e := newEnv(t)
	e.must("create", "--name", "s1", "busybox", "sleep", "100")
	e.must("create", "--name", "s2", "--runtime", "runc", "busybox", "sleep", "100")
	if out := e.must("update", "-m", "32m", "--pids-limit", "20", "s1", "s2"); out != "s1\ns2\n" {
		t.Errorf("update of two: printed %q", out)
	}
	for _, name := range []string{"s1", "s2"} {
		e.must("start", name)
		id := e.inspect(name, "{{.ID}}")
		if got := cgroupFile(t, id, "memory", "memory.limit_in_bytes", "memory.max"); got != "33554432" {
			t.Errorf("%s started after update: memory limit %q", name, got)
		}
		if got := cgroupFile(t, id, "pids", "pids.max", "pids.max"); got != "20" {
			t.Errorf("%s started after update: pids.max %q", name, got)
		}
	}
	// Live through runc update.
	e.must("update", "-m", "48m", "--pids-limit", "30", "s2")
	id := e.inspect("s2", "{{.ID}}")
	if got := cgroupFile(t, id, "memory", "memory.limit_in_bytes", "memory.max"); got != "50331648" {
		t.Errorf("runc update: memory limit %q", got)
	}
	if got := cgroupFile(t, id, "pids", "pids.max", "pids.max"); got != "30" {
		t.Errorf("runc update: pids.max %q", got)
	}
	if r := e.run("run", "-d", "--rm", "--name", "auto", "busybox", "sleep", "100"); r.code != 0 {
		t.Fatalf("run --rm: %s", r.stderr)
	}
	if r := e.run("update", "--restart", "always", "auto"); r.code != 1 || !strings.Contains(r.stderr, "AutoRemove") {
		t.Errorf("--restart on an --rm container: exit %d, %q", r.code, r.stderr)
	}
}

// TestUpdateRestartLive gives a running container a restart policy: its
// monitor follows it when the process is killed.
func TestUpdateRestartLive(t *testing.T) {
	e := newEnv(t)
	e.must("run", "-d", "--name", "rs", "busybox", "sleep", "100")
	e.must("update", "--restart", "on-failure", "rs")
	pid, err := strconv.Atoi(e.inspect("rs", "{{.State.Pid}}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	const format = "{{.RestartCount}} {{.State.Status}}"
	testutil.Eventually(t, 10*time.Second, func() bool { return e.inspect("rs", format) == "1 running" },
		func() string {
			return fmt.Sprintf("killed after update --restart on-failure: %q, want restarted once", e.inspect("rs", format))
		})
}

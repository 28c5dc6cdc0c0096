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
	id := strings.TrimSpace(e.Must("run", "-d", "--name", "upd", "-m", "64m", "busybox", "sleep", "100"))
	out := e.Must("update", "-m", "128m", "--memory-swap", "256m", "--memory-reservation", "32m", "--cpus", "0.5",
		"--cpu-shares", "512", "--cpuset-cpus", "0", "--pids-limit", "50", "--restart", "on-failure:3", "upd")
	if out != "upd\n" {
		t.Errorf("update printed %q, want the name as given", out)
	}
	testutil.CheckCgroupFiles(t, id, "update", []testutil.CgroupWant{
		{Ctrl: "memory", V1: "memory.limit_in_bytes", V2: "memory.max", Want: "134217728"},
		{Ctrl: "memory", V1: "memory.soft_limit_in_bytes", V2: "memory.low", Want: "33554432"},
		{Ctrl: "cpu", V1: "cpu.cfs_quota_us", V2: "cpu.max", Want: "50000"},
		{Ctrl: "cpu", V1: "cpu.shares", V2: "cpu.weight", Want: "512"},
		{Ctrl: "cpuset", V1: "cpuset.cpus", V2: "cpuset.cpus", Want: "0"},
		{Ctrl: "pids", V1: "pids.max", V2: "pids.max", Want: "50"},
	})
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); err == nil {
		if got := testutil.CgroupFile(t, id, "memory", "memory.memsw.limit_in_bytes", ""); got != "268435456" {
			t.Errorf("--memory-swap 256m: memsw limit %q", got)
		}
	}
	want := "134217728 268435456 33554432 500000000 512 0 50 on-failure 3"
	got := e.Inspect("upd", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} "+
		"{{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.HostConfig.CpusetCpus}} {{.HostConfig.PidsLimit}} "+
		"{{.HostConfig.RestartPolicy.Name}} {{.HostConfig.RestartPolicy.MaximumRetryCount}}")
	if got != want {
		t.Errorf("inspect after update: %q, want %q", got, want)
	}
	// Unlimited again: -1 pids, 0 CPUs.
	e.Must("update", "--pids-limit", "-1", "--cpus", "0", "upd")
	if got := testutil.CgroupFile(t, id, "pids", "pids.max", "pids.max"); got != "max" {
		t.Errorf("--pids-limit -1: pids.max %q", got)
	}
	if got := testutil.CgroupFile(t, id, "cpu", "cpu.cfs_quota_us", "cpu.max"); got != "-1" && !strings.HasPrefix(got, "max") {
		t.Errorf("--cpus 0: quota %q", got)
	}
}

// TestUpdateRejects checks Docker's errors, and that a limit the kernel
// refuses (below what the container uses) changes neither the cgroup nor
// the record.
func TestUpdateRejects(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.Must("run", "-d", "--name", "rej", "-m", "64m", "--memory-swap", "64m", "busybox", "sleep", "100"))
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
		r := e.Run(append(append([]string{"update"}, tc.args...), "rej")...)
		if r.ExitCode != tc.code || !strings.Contains(strings.ToLower(r.Stderr), strings.ToLower(tc.want)) {
			t.Errorf("update %v: exit %d, %q; want exit %d and %q", tc.args, r.ExitCode, r.Stderr, tc.code, tc.want)
		}
	}
	// 20 MiB in tmpfs is charged to the container: 8m cannot hold it.
	e.Must("exec", "rej", "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=20")
	r := e.Run("update", "-m", "8m", "--memory-swap", "8m", "rej")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, id) {
		t.Errorf("limit below usage: exit %d, %q; want exit 1 naming the container", r.ExitCode, r.Stderr)
	}
	if got := testutil.CgroupFile(t, id, "memory", "memory.limit_in_bytes", "memory.max"); got != "67108864" {
		t.Errorf("refused limit: cgroup now %q, want 67108864 kept", got)
	}
	if got := e.Inspect("rej", "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"); got != "67108864 67108864" {
		t.Errorf("refused limit: record now %q", got)
	}
	if r := e.Run("update", "-m", "32m", "nosuch"); r.ExitCode != 1 {
		t.Errorf("update of a missing container: exit %d", r.ExitCode)
	}
}

// TestUpdateStopped updates created containers (the record only; start
// applies it) and several at once, and a runc container through runc.
func TestUpdateStopped(t *testing.T) {
	e := newEnv(t)
	e.Must("create", "--name", "s1", "busybox", "sleep", "100")
	e.Must("create", "--name", "s2", "--runtime", "runc", "busybox", "sleep", "100")
	if out := e.Must("update", "-m", "32m", "--pids-limit", "20", "s1", "s2"); out != "s1\ns2\n" {
		t.Errorf("update of two: printed %q", out)
	}
	for _, name := range []string{"s1", "s2"} {
		e.Must("start", name)
		id := e.Inspect(name, "{{.ID}}")
		if got := testutil.CgroupFile(t, id, "memory", "memory.limit_in_bytes", "memory.max"); got != "33554432" {
			t.Errorf("%s started after update: memory limit %q", name, got)
		}
		if got := testutil.CgroupFile(t, id, "pids", "pids.max", "pids.max"); got != "20" {
			t.Errorf("%s started after update: pids.max %q", name, got)
		}
	}
	// Live through runc update.
	e.Must("update", "-m", "48m", "--pids-limit", "30", "s2")
	id := e.Inspect("s2", "{{.ID}}")
	if got := testutil.CgroupFile(t, id, "memory", "memory.limit_in_bytes", "memory.max"); got != "50331648" {
		t.Errorf("runc update: memory limit %q", got)
	}
	if got := testutil.CgroupFile(t, id, "pids", "pids.max", "pids.max"); got != "30" {
		t.Errorf("runc update: pids.max %q", got)
	}
	if r := e.Run("run", "-d", "--rm", "--name", "auto", "busybox", "sleep", "100"); r.ExitCode != 0 {
		t.Fatalf("run --rm: %s", r.Stderr)
	}
	if r := e.Run("update", "--restart", "always", "auto"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "AutoRemove") {
		t.Errorf("--restart on an --rm container: exit %d, %q", r.ExitCode, r.Stderr)
	}
}

// TestUpdateRestartLive gives a running container a restart policy: its
// monitor follows it when the process is killed.
func TestUpdateRestartLive(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "rs", "busybox", "sleep", "100")
	e.Must("update", "--restart", "on-failure", "rs")
	pid, err := strconv.Atoi(e.Inspect("rs", "{{.State.Pid}}"))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	const format = "{{.RestartCount}} {{.State.Status}}"
	testutil.Eventually(t, 10*time.Second, func() bool { return e.Inspect("rs", format) == "1 running" },
		func() string {
			return fmt.Sprintf("killed after update --restart on-failure: %q, want restarted once", e.Inspect("rs", format))
		})
}

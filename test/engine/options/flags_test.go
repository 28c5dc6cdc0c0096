package options_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

func TestResourceFlags(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.Must("run", "-d", "-m", "64m", "--memory-swap", "128m", "--cpus", "0.5", "--cpu-shares", "512",
		"--cpuset-cpus", "0", "--pids-limit", "10", "busybox", "sleep", "100"))
	testutil.CheckCgroupFiles(t, id, "run", []testutil.CgroupWant{
		{Ctrl: "memory", V1: "memory.limit_in_bytes", V2: "memory.max", Want: "67108864"},
		{Ctrl: "cpu", V1: "cpu.cfs_quota_us", V2: "cpu.max", Want: "50000"},
		{Ctrl: "cpu", V1: "cpu.shares", V2: "cpu.weight", Want: "512"},
		{Ctrl: "cpuset", V1: "cpuset.cpus", V2: "cpuset.cpus", Want: "0"},
		{Ctrl: "pids", V1: "pids.max", V2: "pids.max", Want: "10"},
	})
	if _, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); err == nil {
		if got := testutil.CgroupFile(t, id, "memory", "memory.memsw.limit_in_bytes", ""); got != "134217728" {
			t.Errorf("--memory-swap: memsw limit %q", got)
		}
	} else {
		t.Log("no swap accounting on this kernel: --memory-swap not checked")
	}
	// pids.max holds inside: the 11th process cannot be made.
	out := e.Run("run", "--rm", "--pids-limit", "5", "busybox", "sh", "-c", "for i in 1 2 3 4 5 6; do sleep 5 & done 2>&1; wait").Stdout
	if !strings.Contains(out, "can't fork") && !strings.Contains(out, "Resource temporarily unavailable") {
		t.Errorf("--pids-limit 5 let 6 sleeps run: %q", out)
	}
}

func TestSecurityFlags(t *testing.T) {
	e := newEnv(t)
	denyMkdir := filepath.Join(t.TempDir(), "seccomp.json")
	os.WriteFile(denyMkdir, []byte(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`), 0o644)
	status := "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t\\n' '  '"
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"ulimit", []string{"--ulimit", "nofile=100:200", "busybox", "sh", "-c", "ulimit -n; ulimit -Hn"}, "100\n200"},
		{"no-new-privileges", []string{"--security-opt", "no-new-privileges", "busybox", "sh", "-c", status}, "NoNewPrivs: 1"},
		{"default", []string{"busybox", "sh", "-c", status}, "NoNewPrivs: 0"},
		{"seccomp unconfined", []string{"--security-opt", "seccomp=unconfined", "busybox", "sh", "-c", status}, "NoNewPrivs: 0 Seccomp: 0"},
		{"seccomp file", []string{"--security-opt", "seccomp=" + denyMkdir, "busybox", "sh", "-c", status + "; mkdir /x 2>&1"}, "Seccomp: 2 mkdir: can't create directory '/x': Operation not permitted"},
		{"device", []string{"--device", "/dev/null:/dev/mynull", "busybox", "sh", "-c", "ls -l /dev/mynull | cut -c1; echo x > /dev/mynull && echo ok"}, "c\nok"},
		{"privileged caps", []string{"--privileged", "busybox", "sh", "-c", "grep CapEff /proc/self/status"}, "CapEff:\t" + ownCapBnd(t)},
		{"privileged devices", []string{"--privileged", "busybox", "sh", "-c", "test -e /dev/loop-control -o -e /dev/kmsg && echo host"}, "host"},
		{"privileged unmasked", []string{"--privileged", "busybox", "sh", "-c", "grep -c ' /proc/timer_list ' /proc/mounts; true"}, "0"},
		{"masked by default", []string{"busybox", "sh", "-c", "grep -c ' /proc/timer_list ' /proc/mounts"}, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Run(append([]string{"run", "--rm"}, tc.args...)...)
			if got := strings.TrimSpace(r.Stdout); !strings.Contains(got, tc.want) {
				t.Errorf("got %q (exit %d, %s), want %q", got, r.ExitCode, strings.TrimSpace(r.Stderr), tc.want)
			}
		})
	}
	if r := e.Run("run", "--rm", "--security-opt", "seccomp=/nonexistent.json", "busybox", "true"); r.ExitCode != 125 {
		t.Errorf("missing seccomp profile: exit %d", r.ExitCode)
	}
	if r := e.Run("run", "--rm", "--device", "/nonexistent", "busybox", "true"); r.ExitCode != 125 {
		t.Errorf("missing device: exit %d", r.ExitCode)
	}
}

// ownCapBnd is this process's bounding set, what --privileged gives.
func ownCapBnd(t *testing.T) string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "<no CapBnd>"
}

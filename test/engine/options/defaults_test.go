package options_test

import (
	"os"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestDockerDefaults: the defaults dockerd applies that scripts and
// security depend on, each seen from inside the container.
func TestDockerDefaults(t *testing.T) {
	e := newEnv(t)
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	writeEtc := "for f in hosts hostname resolv.conf; do (echo x >> /etc/$f) 2>/dev/null && echo wrote $f; done; echo done"
	for _, tc := range []struct {
		name string
		args []string
		want string // the whole output, trimmed
	}{
		{"read-only covers the /etc files", []string{"--read-only", "busybox", "sh", "-c", writeEtc}, "done"},
		{"/etc files writable otherwise", []string{"busybox", "sh", "-c", writeEtc}, "wrote hosts\nwrote hostname\nwrote resolv.conf\ndone"},
		{"tmpfs on a new directory is 1777", []string{"--tmpfs", "/scratch", "busybox", "stat", "-c", "%a", "/scratch"}, "1777"},
		{"tmpfs keeps the mode of a directory it covers", []string{"--tmpfs", "/home", "busybox", "stat", "-c", "%a", "/home"}, "755"},
		{"the built-in image's /tmp is sticky", []string{"busybox", "stat", "-c", "%a", "/tmp"}, "1777"},
		{"primary group among the groups", []string{"busybox", "id"}, "uid=0(root) gid=0(root) groups=0(root)"},
		{"primary group of -u", []string{"-u", "daemon", "busybox", "id"}, "uid=1(daemon) gid=1(daemon) groups=1(daemon)"},
		{"host network, host's hostname", []string{"--network", "host", "busybox", "sh", "-c", "hostname; cat /etc/hostname; echo $HOSTNAME"}, host + "\n" + host + "\n" + host},
		{"-e HOSTNAME wins", []string{"-e", "HOSTNAME=x", "-h", "box", "busybox", "sh", "-c", "echo $HOSTNAME; hostname"}, "x\nbox"},
		{"TERM with -t", []string{"-t", "busybox", "sh", "-c", "echo $TERM"}, "xterm"},
		{"-e TERM wins", []string{"-t", "-e", "TERM=vt100", "busybox", "sh", "-c", "echo $TERM"}, "vt100"},
		{"env order is dockerd's", []string{"-e", "A=1", "busybox", "sh", "-c", "tr '\\0' '\\n' </proc/1/environ | cut -d= -f1"}, "PATH\nHOSTNAME\nA\nHOME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Run(append([]string{"run", "--rm"}, tc.args...)...)
			if got := strings.TrimSpace(strings.ReplaceAll(r.Stdout, "\r", "")); got != tc.want {
				t.Errorf("got %q (exit %d, %s), want %q", got, r.ExitCode, strings.TrimSpace(r.Stderr), tc.want)
			}
		})
	}

	e.Must("run", "-d", "--name", "box", "busybox", "sleep", "1000")
	if got := strings.TrimSpace(strings.ReplaceAll(e.Must("exec", "-t", "box", "sh", "-c", "echo $TERM"), "\r", "")); got != "xterm" {
		t.Errorf("exec -t: TERM %q, want xterm", got)
	}
	if got := strings.TrimSpace(e.Must("exec", "box", "sh", "-c", "echo ${TERM-unset}")); got != "unset" {
		t.Errorf("exec without -t: TERM %q, want unset", got)
	}
	if got := strings.TrimSpace(e.Must("exec", "-u", "daemon", "box", "id")); got != "uid=1(daemon) gid=1(daemon) groups=1(daemon)" {
		t.Errorf("exec -u daemon: %q", got)
	}
}

// TestDefaultSwap: -m without --memory-swap gives as much swap as memory,
// as dockerd does: MemorySwap twice Memory, and the cgroup says so.
func TestDefaultSwap(t *testing.T) {
	e := newEnv(t)
	id := strings.TrimSpace(e.Must("run", "-d", "-m", "64m", "busybox", "sleep", "100"))
	_, v1err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")
	want := "67108864 134217728"
	if v1err != nil && !cgroup2Memory() {
		want = "67108864 -1" // no swap accounting: dockerd leaves swap unlimited
	}
	if got := e.Inspect(id, "{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}}"); got != want {
		t.Errorf("Memory MemorySwap %q, want %q", got, want)
	}
	switch {
	case v1err == nil:
		if got := testutil.CgroupFile(t, id, "memory", "memory.memsw.limit_in_bytes", ""); got != "134217728" {
			t.Errorf("memsw limit %q, want 134217728", got)
		}
	case cgroup2Memory():
		if got := testutil.CgroupFile(t, id, "memory", "", "memory.swap.max"); got != "67108864" {
			t.Errorf("memory.swap.max %q, want 67108864", got)
		}
	}
	// --memory-swap -1 stays unlimited.
	id = strings.TrimSpace(e.Must("run", "-d", "-m", "64m", "--memory-swap", "-1", "busybox", "sleep", "100"))
	if got := e.Inspect(id, "{{.HostConfig.MemorySwap}}"); got != "-1" {
		t.Errorf("--memory-swap -1: MemorySwap %q", got)
	}
}

// cgroup2Memory reports a pure cgroup v2 host with the memory controller.
func cgroup2Memory() bool {
	data, err := os.ReadFile("/sys/fs/cgroup/cgroup.controllers")
	return err == nil && strings.Contains(string(data), "memory")
}

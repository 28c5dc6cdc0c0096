package options_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// TestNamespaceAndKernelFlags runs the flags Docker users type for
// namespaces, /dev/shm and sysctls, and reads their effect from inside.
func TestNamespaceAndKernelFlags(t *testing.T) {
	e := newEnv(t)
	out := e.Must("run", "--rm", "--network", "none", "--shm-size", "2m", "--sysctl", "kernel.shmmax=12345",
		"--sysctl", "net.ipv4.ip_forward=1", "--group-add", "tty", "--group-add", "1234", "--domainname", "example.org",
		"busybox", "sh", "-c", "df -k /dev/shm | tail -1; cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname; id -G")
	f := strings.Fields(out)
	if len(f) != 12 || f[1] != "2048" || f[6] != "12345" || f[7] != "1" || f[8] != "example.org" || !strings.HasSuffix(out, " 5 1234\n") {
		t.Errorf("shm size, sysctls, domainname, groups:\n%s", out)
	}
	hostHost, _ := os.Hostname()
	if got := strings.TrimSpace(e.Must("run", "--rm", "--network", "none", "--uts", "host", "busybox", "sh", "-c", "hostname; echo $HOSTNAME; cat /etc/hostname")); got != hostHost+"\n"+hostHost+"\n"+hostHost {
		t.Errorf("--uts host: hostname %q, host's %q", got, hostHost)
	}
	if got := e.Must("run", "--rm", "--network", "none", "--pid", "host", "busybox", "sh", "-c", "test -d /proc/1 && cat /proc/1/comm"); got == "sh\n" {
		t.Errorf("--pid host: pid 1 is the container's own sh")
	}
	// Docker's list of namespaced sysctls only, and net.* not on the host's network.
	e.Refused("is not whitelisted", "run", "--rm", "--sysctl", "kernel.core_pattern=x", "busybox", "true")
	e.Refused("not allowed in host network namespace", "run", "--rm", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1", "busybox", "true")
	e.Refused("not allowed with --ipc host", "run", "--rm", "--ipc", "host", "--sysctl", "kernel.shmmax=1", "busybox", "true")
	e.Refused("invalid --pid", "run", "--rm", "--pid", "bogus", "busybox", "true")
	e.Refused("--shm-size", "run", "--rm", "--shm-size", "0", "busybox", "true")
	e.Refused("unable to find group nosuchgroup", "run", "--rm", "--network", "none", "--group-add", "nosuchgroup", "busybox", "true")
	e.Refused("Nano CPUs and CPU Period", "run", "--rm", "--cpus", "1", "--cpu-period", "50000", "busybox", "true")

	const nsLinks = "readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid"
	// --pid and --ipc container:NAME join the other's namespaces; the IPC
	// owner must be shareable, as with Docker 20.10, whose default is private.
	e.Must("run", "-d", "--name", "nsowner", "--network", "none", "--ipc", "shareable", "busybox", "sleep", "1000")
	owner := e.Must("exec", "nsowner", "sh", "-c", nsLinks)
	joined := e.Must("run", "--rm", "--network", "none", "--pid", "container:nsowner", "--ipc", "container:nsowner", "busybox",
		"sh", "-c", nsLinks)
	own := e.Must("run", "--rm", "--network", "none", "busybox", "sh", "-c", nsLinks)
	if joined != owner || own == owner {
		t.Errorf("--pid/--ipc container: namespaces %q, the owner's %q, a container's own %q", joined, owner, own)
	}
	if got := e.Inspect("nsowner", "{{.HostConfig.IpcMode}} {{.HostConfig.ShmSize}} {{.HostConfig.CgroupnsMode}}"); got != "shareable 67108864 host" {
		t.Errorf("IpcMode, default ShmSize, CgroupnsMode: %q", got)
	}
	// The joiner binds the owner's /dev/shm: a file one writes the other reads.
	e.Must("exec", "nsowner", "sh", "-c", "echo shared > /dev/shm/f")
	if got := e.Must("run", "--rm", "--network", "none", "--ipc", "container:nsowner", "busybox", "sh", "-c",
		"cat /dev/shm/f; echo back > /dev/shm/g; stat -c %a /dev/shm"); got != "shared\n1777\n" {
		t.Errorf("--ipc container: /dev/shm: %q", got)
	}
	if got := e.Must("exec", "nsowner", "cat", "/dev/shm/g"); got != "back\n" {
		t.Errorf("the owner's /dev/shm after the joiner wrote: %q", got)
	}
	e.Must("run", "-d", "--name", "privowner", "--network", "none", "busybox", "sleep", "1000")
	e.Refused(": non-shareable IPC (hint: use IpcMode:shareable for the donor container)",
		"run", "--rm", "--network", "none", "--ipc", "container:privowner", "busybox", "true")
	if got := e.Inspect("privowner", "{{.HostConfig.IpcMode}}"); got != "private" {
		t.Errorf("default IpcMode: %q", got)
	}
	e.Must("rm", "-f", "nsowner", "privowner")
}

// TestCIDFileVolumesFromExpose covers --cidfile's Docker rules, and
// --volumes-from, --expose and -P.
func TestCIDFileVolumesFromExpose(t *testing.T) {
	e := newEnv(t)
	cid := filepath.Join(t.TempDir(), "cid")
	id := strings.TrimSpace(e.Must("create", "--cidfile", cid, "--name", "first", "-v", "/data", "--expose", "80", "--expose", "7000-7001/udp", "-P", "busybox", "sh", "-c", "echo vol > /data/f; exec sleep 1000"))
	if data, err := os.ReadFile(cid); err != nil || string(data) != id {
		t.Errorf("cidfile holds %q (%v), want %s", data, err, id)
	}
	e.Refused("container ID file found", "create", "--cidfile", cid, "busybox", "true")
	failed := filepath.Join(t.TempDir(), "cid-failed")
	e.Refused("is not whitelisted", "create", "--cidfile", failed, "--sysctl", "vm.swappiness=1", "busybox", "true")
	if _, err := os.Stat(failed); !os.IsNotExist(err) {
		t.Errorf("a failed create left its cidfile: %v", err)
	}
	if got := e.Inspect("first", "{{json .Config.ExposedPorts}}"); got != `{"7000/udp":{},"7001/udp":{},"80/tcp":{}}` {
		t.Errorf("ExposedPorts: %s", got)
	}
	e.Must("start", "first")
	if got := e.Inspect("first", `{{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}`); got == "" || got == "0" {
		t.Errorf("-P did not publish the exposed port 80: %q", got)
	}
	e.waitVolume("first")
	out := e.Run("run", "--rm", "--network", "none", "--volumes-from", "first:ro", "busybox", "sh", "-c", "cat /data/f; touch /data/g")
	if out.Stdout != "vol\n" || !strings.Contains(out.Stderr, "Read-only file system") {
		t.Errorf("--volumes-from first:ro: %q %q", out.Stdout, out.Stderr)
	}
	if got := e.Must("run", "--rm", "--network", "none", "--volumes-from", "first", "busybox", "sh", "-c", "touch /data/g && echo rw"); got != "rw\n" {
		t.Errorf("--volumes-from first: %q", got)
	}
	e.Refused("nosuch", "run", "--rm", "--volumes-from", "nosuch", "busybox", "true")
}

// waitVolume waits until the container has written its /data/f.
func (e *env) waitVolume(ref string) {
	e.T.Helper()
	testutil.Eventually(e.T, 5*time.Second, func() bool { return e.Run("exec", ref, "cat", "/data/f").Stdout == "vol\n" },
		func() string { return ref + " never wrote /data/f" })
}

// TestSigProxy: a foreground run passes a signal on by default, and not
// with --sig-proxy=false.
func TestSigProxy(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		flag string
		want string
	}{{"--sig-proxy=true", "got\ndone\n"}, {"--sig-proxy=false", "done\n"}} {
		cmd := e.Cmd("run", "--rm", "--network", "none", tc.flag, "busybox", "sh", "-c", `trap "echo got" USR1; echo ready; sleep 1; echo done`)
		var out strings.Builder
		r, w, _ := os.Pipe()
		cmd.Stdout = w
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		buf := make([]byte, 6)
		if n, _ := r.Read(buf); string(buf[:n]) != "ready\n" {
			t.Fatalf("%s: no ready line: %q", tc.flag, buf[:n])
		}
		cmd.Process.Signal(syscall.SIGUSR1)
		rest, _ := readAll(r)
		out.WriteString(rest)
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s: %v", tc.flag, err)
		}
		if out.String() != tc.want {
			t.Errorf("%s: output %q, want %q", tc.flag, out.String(), tc.want)
		}
	}
}

func readAll(f *os.File) (string, error) {
	defer f.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := f.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String(), nil
		}
	}
}

// TestSmallCommandFlags: images -a, history -H=false, logs -t and
// --details, exec --env-file, system df --format, stats {{.Container}},
// top with BSD ps options.
func TestSmallCommandFlags(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "small", "--network", "none", "busybox", "sh", "-c", "echo line; exec sleep 1000")
	e.WaitLog("small", "line")
	if got := e.Must("images", "-a", "--format", "{{.Repository}}"); got != "busybox\n" {
		t.Errorf("images -a: %q", got)
	}
	if got := e.Must("history", "-H=false", "--format", "{{.CreatedSince}} {{.Size}}", "busybox"); !strings.HasPrefix(got, "2000-01-01T00:00:00Z ") || strings.ContainsAny(got, "kMB") {
		t.Errorf("history -H=false: %q", got)
	}
	ts := e.Must("logs", "-t", "small")
	if len(ts) < 31 || ts[19] != '.' || ts[29] != 'Z' || ts[30:] != " line\n" {
		t.Errorf("logs -t: %q, want nine fraction digits and Z", ts)
	}
	if got := e.Must("logs", "--details", "small"); got != " line\n" {
		t.Errorf("logs --details: %q", got)
	}
	envFile := filepath.Join(t.TempDir(), "env")
	os.WriteFile(envFile, []byte("A=from-file\nB=b\n"), 0o644)
	if got := e.Must("exec", "--env-file", envFile, "-e", "A=flag", "small", "sh", "-c", "echo $A $B"); got != "flag b\n" {
		t.Errorf("exec --env-file: %q", got)
	}
	if got := e.Must("system", "df", "--format", "{{.Type}}:{{.TotalCount}}"); !strings.HasPrefix(got, "Images:1\nContainers:1\n") {
		t.Errorf("system df --format: %q", got)
	}
	if got := e.Must("system", "df", "-v"); !strings.Contains(got, "Images space usage:\n\nREPOSITORY ") ||
		!strings.Contains(got, "\"sh -c 'echo line; e…\"") || !strings.Contains(got, "Local Volumes space usage:") {
		t.Errorf("system df -v:\n%s", got)
	}
	if got := e.Must("stats", "--no-stream", "--format", "{{.Container}}", "small"); got != "small\n" {
		t.Errorf("stats {{.Container}}: %q", got)
	}
	if got := e.Must("top", "small", "o", "pid,comm"); !strings.Contains(got, "COMMAND") || !strings.Contains(got, "sleep") {
		t.Errorf("top small o pid,comm:\n%s", got)
	}
}

// TestSaveDockerLayout: docker save's Docker 20.10 layout, one entry for
// an image named twice, none of its tags for a save by ID.
func TestSaveDockerLayout(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	e.Must("tag", "busybox", "other:v1")
	id := strings.TrimSpace(e.Must("images", "-q", "busybox"))
	dir := t.TempDir()
	e.Must("save", "-o", filepath.Join(dir, "a.tar"), "busybox", "other:v1", id)
	list, err := exec.Command("tar", "-tf", filepath.Join(dir, "a.tar")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(list), "blobs/") || !strings.Contains(string(list), "/layer.tar\n") || !strings.Contains(string(list), "/VERSION\n") {
		t.Errorf("archive members:\n%s", list)
	}
	exec.Command("tar", "-xf", filepath.Join(dir, "a.tar"), "-C", dir).Run()
	var m []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	testutil.ReadJSON(t, filepath.Join(dir, "manifest.json"), &m)
	if len(m) != 1 || strings.Join(m[0].RepoTags, ",") != "busybox:latest,other:v1" || !strings.HasSuffix(m[0].Config, ".json") {
		t.Errorf("manifest.json: %+v", m)
	}
	byID := filepath.Join(dir, "id.tar")
	e.Must("save", "-o", byID, id)
	data, _ := exec.Command("tar", "-xOf", byID, "manifest.json").Output()
	if !strings.Contains(string(data), `"RepoTags":null`) {
		t.Errorf("save by ID: manifest %s", data)
	}
	if err := exec.Command("tar", "-xOf", byID, "repositories").Run(); err == nil {
		t.Error("save by ID wrote a repositories file")
	}
}

// TestMoreRunFlags: the rest of docker run's Linux flags berth takes,
// read from the cgroup, the process and the bundle.
func TestMoreRunFlags(t *testing.T) {
	e := newEnv(t)
	const open = "mknod /f c 10 229; head -c 0 /f && echo opened"
	if r := e.Run("run", "--rm", "--network", "none", "busybox", "sh", "-c", open); r.Stdout != "" {
		t.Errorf("c 10:229 opened without a rule: %q", r.Stdout)
	}
	if got := e.Must("run", "--rm", "--network", "none", "--device-cgroup-rule", "c 10:229 rw", "busybox", "sh", "-c", open); got != "opened\n" {
		t.Errorf("--device-cgroup-rule c 10:229 rw: %q", got)
	}
	lf := filepath.Join(t.TempDir(), "labels")
	os.WriteFile(lf, []byte("# c\nfrom=file\n"), 0o644)
	id := strings.TrimSpace(e.Must("run", "-d", "--network", "none", "--cpu-period", "50000", "--cpu-quota", "25000",
		"-m", "64m", "--memory-reservation", "32m", "--oom-score-adj", "300", "--annotation", "org.example/a=b",
		"--label-file", lf, "--cgroupns", "private", "busybox", "sleep", "1000"))
	for _, tc := range []struct{ ctrl, v1, v2, want string }{
		{"cpu", "cpu.cfs_period_us", "cpu.max", "50000"},
		{"cpu", "cpu.cfs_quota_us", "cpu.max", "25000"},
		{"memory", "memory.soft_limit_in_bytes", "memory.low", "33554432"},
	} {
		if got := testutil.CgroupFile(t, id, tc.ctrl, tc.v1, tc.v2); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.v1, got, tc.want)
		}
	}
	if got := e.Must("exec", id, "cat", "/proc/self/oom_score_adj"); got != "300\n" {
		t.Errorf("--oom-score-adj: %q", got)
	}
	if got := e.Must("exec", id, "cat", "/proc/self/cgroup"); !strings.Contains(got, ":/\n") || strings.Contains(got, id) {
		t.Errorf("--cgroupns private: /proc/self/cgroup shows host paths:\n%s", got)
	}
	spec, err := os.ReadFile(filepath.Join(e.Root, "containers", id, "config.json"))
	if err != nil || !strings.Contains(string(spec), `"org.example/a":"b"`) {
		t.Errorf("--annotation not in the bundle: %v", err)
	}
	if got := e.Inspect(id, `{{index .Config.Labels "from"}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.CgroupnsMode}}`); got != "file 50000 25000 private" {
		t.Errorf("inspect: %q", got)
	}
	e.Refused("invalid device cgroup rule", "run", "--rm", "--device-cgroup-rule", "x 1:2 rwm", "busybox", "true")
	e.Refused("json-file", "run", "--rm", "--log-driver", "syslog", "busybox", "true")
	e.Refused("not a block device", "run", "--rm", "--device-read-bps", "/dev/null:1mb", "busybox", "true")
}

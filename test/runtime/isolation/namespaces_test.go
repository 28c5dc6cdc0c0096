package isolation_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// nsLinks prints the namespace links of the container's shell, one
// "type link" per line, for comparing with the host's or another's.
const nsLinks = `for n in cgroup ipc mnt net pid uts; do echo "$n $(readlink /proc/self/ns/$n)"; done`

func parseNsLinks(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 2 {
			m[f[0]] = f[1]
		}
	}
	return m
}

// withCgroupNS adds a cgroup namespace: runc 1.1's default spec has none
// (runc 1.2 adds one).
func withCgroupNS(b *testutil.Bundle) {
	b.Update(func(s *specs.Spec) {
		for _, ns := range s.Linux.Namespaces {
			if ns.Type == specs.CgroupNamespace {
				return
			}
		}
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.CgroupNamespace})
	})
}

func TestNamespacesAreNew(t *testing.T) {
	rt, b := setup(t)
	withCgroupNS(b)
	got := parseNsLinks(t, rt.ShellOutput(t, b, nsLinks))
	for _, typ := range []string{"cgroup", "ipc", "mnt", "net", "pid", "uts"} {
		if got[typ] == "" || got[typ] == testutil.NsLink(t, "self", typ) {
			t.Errorf("%s namespace %q: want a new one (host: %s)", typ, got[typ], testutil.NsLink(t, "self", typ))
		}
	}
}

func TestPidNamespace(t *testing.T) {
	rt, b := setup(t)
	// The trailing true stops busybox sh from exec'ing ps in its place.
	out := rt.ShellOutput(t, b, "echo $$; ps -o pid=,comm=; true")
	lines := strings.Split(out, "\n")
	if lines[0] != "1" {
		t.Errorf("shell pid %q, want 1", lines[0])
	}
	// Only the shell and ps itself: nothing of the host.
	if len(lines) != 3 || strings.Join(strings.Fields(lines[1]), " ") != "1 sh" {
		t.Errorf("ps in the container:\n%s\nwant just the shell (pid 1) and ps", out)
	}
}

func TestUTSNamespace(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Hostname = "berth-host"
		s.Domainname = "berth.example"
	})
	hostBefore, _ := os.Hostname()
	out := rt.ShellOutput(t, b, "hostname; cat /proc/sys/kernel/domainname")
	want := "berth-host\nberth.example"
	if rt.IsRunc11() {
		// runc 1.1 ignores the domainname field (runc 1.2 sets it).
		want = "berth-host\n(none)"
	}
	if out != want {
		t.Errorf("hostname and domainname %q, want berth-host and berth.example", out)
	}
	if h, _ := os.Hostname(); h != hostBefore {
		t.Errorf("host hostname changed to %q", h)
	}
}

func TestNetNamespaceOnlyLoopback(t *testing.T) {
	rt, b := setup(t)
	out := rt.ShellOutput(t, b, "tail -n +3 /proc/net/dev | cut -d: -f1; cat /sys/class/net/lo/operstate")
	f := strings.Fields(out)
	// lo reports "unknown" when up: it has no carrier to speak of.
	if len(f) != 2 || f[0] != "lo" || f[1] == "down" {
		t.Errorf("interfaces and lo state %q, want only lo, up", out)
	}
}

func TestMountNamespaceHidesHostMounts(t *testing.T) {
	rt, b := setup(t)
	hostOnly := filepath.Join(t.TempDir(), "host-only-mount")
	if err := os.Mkdir(hostOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", hostOnly, "tmpfs", 0, "size=1m"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(hostOnly, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", hostOnly, err)
		}
	})
	out := rt.ShellOutput(t, b, "cat /proc/self/mountinfo")
	if strings.Contains(out, "host-only-mount") || strings.Contains(out, " /work") {
		t.Errorf("host mounts visible in the container:\n%s", out)
	}
}

func TestCgroupNamespace(t *testing.T) {
	rt, b := setup(t)
	withCgroupNS(b)
	out := rt.ShellOutput(t, b, "cat /proc/self/cgroup")
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasSuffix(l, ":/") {
			t.Errorf("/proc/self/cgroup line %q: want the namespace root /", l)
		}
	}
}

func TestTimeNamespaceOffsets(t *testing.T) {
	rt, b := setup(t)
	if rt.IsRunc11() {
		t.Skip("runc 1.1 has no time namespace support (added in runc 1.2)")
	}
	if rt.Name() == "crun" {
		t.Skip("crun 1.8 fails to create a time namespace (write to sync socket: broken pipe)")
	}
	const offset = 10 * 86400
	b.Update(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
			"boottime":  {Secs: offset},
			"monotonic": {Secs: offset},
		}
	})
	hostUp := uptime(t)
	out := rt.ShellOutput(t, b, "cut -d' ' -f1 /proc/uptime; cat /proc/self/timens_offsets")
	lines := strings.SplitN(out, "\n", 2)
	up, err := strconv.ParseFloat(lines[0], 64)
	if err != nil {
		t.Fatalf("container uptime %q: %v", lines[0], err)
	}
	if up < hostUp+offset || up > hostUp+offset+60 {
		t.Errorf("container uptime %.0f, host %.0f: want shifted by %d", up, hostUp, offset)
	}
	offsets := strings.Join(strings.Fields(lines[1]), " ")
	if !strings.Contains(offsets, fmt.Sprintf("monotonic %d 0", offset)) || !strings.Contains(offsets, fmt.Sprintf("boottime %d 0", offset)) {
		t.Errorf("timens_offsets %q, want monotonic and boottime %d", lines[1], offset)
	}
}

func uptime(t *testing.T) float64 {
	t.Helper()
	data, err := os.ReadFile("/proc/uptime")
	if err != nil {
		t.Fatal(err)
	}
	up, err := strconv.ParseFloat(strings.Fields(string(data))[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return up
}

// A second container given /proc/<pid>/ns/<type> paths lives in the first
// one's namespaces: same hostname, same loopback network, same links.
func TestJoinNamespacesByPath(t *testing.T) {
	rt := testutil.NewRuntime(t)
	first := testutil.NewBundle(t, rt)
	withCgroupNS(first)
	first.Update(func(s *specs.Spec) { s.Hostname = "berth-first" })
	first.Shell("echo from-first | nc -l -p 8080 127.0.0.1; sleep 100")
	_, st := rt.StartDetached(t, first)

	joined := []specs.LinuxNamespaceType{"uts", "ipc", "network", "pid", "cgroup"}
	file := map[specs.LinuxNamespaceType]string{"uts": "uts", "ipc": "ipc", "network": "net", "pid": "pid", "cgroup": "cgroup"}
	second := testutil.NewBundle(t, rt)
	withCgroupNS(second)
	second.Update(func(s *specs.Spec) {
		s.Hostname = ""
		for i, ns := range s.Linux.Namespaces {
			for _, j := range joined {
				if ns.Type == j {
					s.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/%s", st.Pid, file[j])
				}
			}
		}
	})
	// Wait for the listener, then talk to it over the shared loopback.
	script := "for i in $(seq 50); do nc 127.0.0.1 8080 </dev/null && break; sleep 0.1; done; hostname; " + nsLinks
	out := rt.ShellOutput(t, second, script)
	lines := strings.SplitN(out, "\n", 3)
	if len(lines) < 3 || lines[0] != "from-first" || lines[1] != "berth-first" {
		t.Fatalf("second container printed %q, want from-first (over loopback) and berth-first", out)
	}
	links := parseNsLinks(t, lines[2])
	for _, j := range joined {
		if want := testutil.NsLink(t, st.Pid, file[j]); links[file[j]] != want {
			t.Errorf("%s namespace %q, want the first container's %q", j, links[file[j]], want)
		}
	}
	if links["mnt"] == testutil.NsLink(t, st.Pid, "mnt") {
		t.Errorf("mount namespace shared though not asked")
	}
}

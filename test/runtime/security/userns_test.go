package security_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/test/testutil"
	"github.com/berth-containers/berth/test/testutil/usernstest"
)

// TestJoinUserNamespaceByPath: a second container given the first one's
// /proc/PID/ns/user lives in that user namespace, with its id maps, and
// the namespaces it makes of its own are owned by it.
func TestJoinUserNamespaceByPath(t *testing.T) {
	rt := testutil.NewRuntime(t)
	first := testutil.NewBundle(t, rt)
	usernstest.Give(t, first, "")
	_, st := rt.RunningSleeper(t, first)

	second := testutil.NewBundle(t, rt)
	usernstest.Give(t, second, fmt.Sprintf("/proc/%d/ns/user", st.Pid))
	out := rt.ShellOutput(t, second, "cat /proc/self/uid_map /proc/self/gid_map; id -u; readlink /proc/self/ns/user")
	lines := strings.Split(out, "\n")
	var want []string
	for range 2 {
		for _, m := range usernstest.Maps {
			want = append(want, fmt.Sprintf("%d %d %d", m.ContainerID, m.HostID, m.Size))
		}
	}
	want = append(want, "0", testutil.NsLink(t, st.Pid, "user"))
	var got []string
	for i, l := range lines {
		if i < 4 {
			l = strings.Join(strings.Fields(l), " ")
		}
		got = append(got, l)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("second container's uid_map, gid_map, uid and user namespace:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if host := testutil.NsLink(t, "self", "user"); host == testutil.NsLink(t, st.Pid, "user") {
		t.Errorf("the first container shares the host's user namespace %s", host)
	}
}

// TestTimeNamespaceInUserNamespace: a new time namespace made inside a new
// user namespace gets its offsets (the user namespace's root cannot open
// a non-dumpable process's timens_offsets, owned by the host's root), and
// a second container joining both by path sees the same clocks.
func TestTimeNamespaceInUserNamespace(t *testing.T) {
	rt := testutil.NewRuntime(t)
	if rt.IsRunc11() {
		t.Skip("runc 1.1 has no time namespace support (added in runc 1.2)")
	}
	first := testutil.NewBundle(t, rt)
	usernstest.Give(t, first, "")
	first.Update(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 7881}, "boottime": {Secs: 1337}}
	})
	_, st := rt.RunningSleeper(t, first)

	second := testutil.NewBundle(t, rt)
	usernstest.Give(t, second, fmt.Sprintf("/proc/%d/ns/user", st.Pid))
	second.Update(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace, Path: fmt.Sprintf("/proc/%d/ns/time", st.Pid)})
	})
	out := rt.ShellOutput(t, second, "cat /proc/self/timens_offsets; readlink /proc/self/ns/time")
	got := strings.Join(strings.Fields(out), " ")
	want := "monotonic 7881 0 boottime 1337 0 " + testutil.NsLink(t, st.Pid, "time")
	if got != want {
		t.Errorf("second container's timens_offsets and time namespace: %q, want %q", got, want)
	}
}

// TestUserNamespaceInaccessibleBindSources: bind sources behind a dir
// closed to the ids a user namespace maps (0700, the host's root's) are
// mounted all the same: the runtime opens them, in the container's mount
// namespace, as runc passes mount source fds.
func TestUserNamespaceInaccessibleBindSources(t *testing.T) {
	rt := testutil.NewRuntime(t)
	b := testutil.NewBundle(t, rt)
	host := t.TempDir()
	usernstest.Give(t, b, "", host)
	for _, n := range []string{"1", "2"} {
		dir := filepath.Join(host, "closed-"+n, "dir")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "foo"), []byte("from "+n+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Dir(dir), 0o700); err != nil {
			t.Fatal(err)
		}
		b.AddMount(specs.Mount{Destination: "/tmp/mount-" + n, Type: "bind", Source: dir, Options: []string{"bind"}})
	}
	if out := rt.ShellOutput(t, b, "cat /tmp/mount-1/foo /tmp/mount-2/foo"); out != "from 1\nfrom 2" {
		t.Errorf("container read %q, want both sources' files", out)
	}
}

// TestJoinUserNamespaceAndForeignNetwork: a container joining a user
// namespace may also join a network namespace that user namespace does
// not own (here the host's): that one must be joined before the user
// namespace, while the runtime's credentials still reach it (runc's issue
// 4466, userns.bats "wrong userns owner").
func TestJoinUserNamespaceAndForeignNetwork(t *testing.T) {
	rt := testutil.NewRuntime(t)
	first := testutil.NewBundle(t, rt)
	usernstest.Give(t, first, "")
	_, st := rt.RunningSleeper(t, first)

	second := testutil.NewBundle(t, rt)
	usernstest.Give(t, second, fmt.Sprintf("/proc/%d/ns/user", st.Pid))
	second.Update(func(s *specs.Spec) {
		s.Linux.UIDMappings, s.Linux.GIDMappings = nil, nil
		for i, n := range s.Linux.Namespaces {
			if n.Type == specs.NetworkNamespace {
				s.Linux.Namespaces[i].Path = "/proc/self/ns/net"
			}
		}
		// No sysfs of its own in a network namespace it does not own.
		for i, m := range s.Mounts {
			if m.Type == "sysfs" {
				s.Mounts[i] = specs.Mount{Destination: m.Destination, Type: "bind", Source: "/sys", Options: []string{"rbind", "ro"}}
			}
		}
	})
	hostNet := testutil.NsLink(t, "self", "net")
	out := rt.ShellOutput(t, second, "readlink /proc/self/ns/user; readlink /proc/self/ns/net")
	if want := testutil.NsLink(t, st.Pid, "user") + "\n" + hostNet; out != want {
		t.Errorf("user and network namespaces %q, want %q", out, want)
	}
}

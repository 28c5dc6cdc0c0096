package isolation_test

import (
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDefaultDevices(t *testing.T) {
	rt, b := setup(t)
	script := `for d in null zero full random urandom tty; do test -c /dev/$d || echo "no char device /dev/$d"; done
stat -c '%n %t:%T' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty
for l in ptmx fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done
echo hi > /dev/null && head -c 3 /dev/zero | wc -c`
	want := `/dev/null 1:3
/dev/zero 1:5
/dev/full 1:7
/dev/random 1:8
/dev/urandom 1:9
/dev/tty 5:0
ptmx -> pts/ptmx
fd -> /proc/self/fd
stdin -> /proc/self/fd/0
stdout -> /proc/self/fd/1
stderr -> /proc/self/fd/2
3`
	if out := rt.ShellOutput(t, b, script); out != want {
		t.Errorf("devices:\n%s\nwant:\n%s", out, want)
	}
}

func TestLinuxDevices(t *testing.T) {
	rt, b := setup(t)
	mode := os.FileMode(0o640)
	uid, gid := uint32(0), uint32(5)
	b.Update(func(s *specs.Spec) {
		s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{
			Path: "/dev/berth-null", Type: "c", Major: 1, Minor: 3, FileMode: &mode, UID: &uid, GID: &gid,
		})
	})
	// Writing proves the devices cgroup allows the node the config made.
	out := rt.ShellOutput(t, b, "stat -c '%F %t:%T %a %u:%g' /dev/berth-null; echo x > /dev/berth-null && echo wrote")
	if want := "character special file 1:3 640 0:5\nwrote"; out != want {
		t.Errorf("linux.devices node: %q, want %q", out, want)
	}
}

func TestMaskedPaths(t *testing.T) {
	rt, b := setup(t)
	secret := filepath.Join(b.Rootfs, "home", "secret")
	if err := os.MkdirAll(secret, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(secret, "key"), []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Update(func(s *specs.Spec) { s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, "/home/secret") })
	// /proc/kcore is the brief's example, but kernels without
	// CONFIG_PROC_KCORE lack it; /proc/timer_list is masked by default too.
	file := "/proc/kcore"
	if _, err := os.Stat(file); err != nil {
		file = "/proc/timer_list"
	}
	out := rt.ShellOutput(t, b, "wc -c < "+file+"; ls -A /home/secret | wc -l; if touch /home/secret/x 2>/dev/null; then echo writable; fi")
	if out != "0\n0" {
		t.Errorf("%s bytes, masked dir entries: %q, want 0 and 0 (and the dir read-only)", file, out)
	}
}

func TestReadonlyPaths(t *testing.T) {
	rt, b := setup(t)
	script := "if echo 1 > /proc/sys/net/ipv4/ip_forward; then echo writable; fi 2>/dev/null; grep ' /proc/sys ' /proc/self/mountinfo | cut -d' ' -f6 | cut -d, -f1"
	if out := rt.ShellOutput(t, b, script); out != "ro" {
		t.Errorf("/proc/sys: %q, want a read-only mount refusing the write", out)
	}
}

func TestSysctl(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}
	})
	if out := rt.ShellOutput(t, b, "cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shm_rmid_forced"); out != "1\n1" {
		t.Errorf("sysctls read back %q, want 1 and 1", out)
	}
}

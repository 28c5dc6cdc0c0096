package user

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

const testPasswd = `root:x:0:0:root:/root:/bin/sh
# a comment

daemon:x:1:1:daemon:/usr/sbin:/bin/false
alice:x:1000:1000:Alice:/home/alice:/bin/sh
bob:x:1001:100::/home/bob:/bin/sh
broken:x:notanumber:1:::
short:x:7
nohome:x:1002:1002:::/bin/sh
`

const testGroup = `root:x:0:root
wheel:x:10:root,alice
users:x:100:
alice:x:1000:
video:x:44:alice,bob
bad:x:zz:alice
`

// rootfsWith makes a fake rootfs holding the given files under /etc.
func rootfsWith(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(root, "etc", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestParse(t *testing.T) {
	full := rootfsWith(t, map[string]string{"passwd": testPasswd, "group": testGroup})
	empty := rootfsWith(t, nil)
	tests := []struct {
		name    string
		rootfs  string
		spec    string
		want    specs.User
		wantErr string
	}{
		{"name", full, "alice", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 44}}, ""},
		{"uid of a known user", full, "1000", specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{10, 44}}, ""},
		{"empty is root", full, "", specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{0, 10}}, ""},
		{"root by name", full, "root", specs.User{UID: 0, GID: 0, AdditionalGids: []uint32{0, 10}}, ""},
		{"no supplementary groups", full, "daemon", specs.User{UID: 1, GID: 1}, ""},
		{"unknown uid", full, "4242", specs.User{UID: 4242, GID: 0}, ""},
		{"unknown name", full, "carol", specs.User{}, `user "carol": no such user in ` + full + "/etc/passwd"},
		{"explicit group name", full, "alice:video", specs.User{UID: 1000, GID: 44}, ""},
		{"explicit gid", full, "bob:10", specs.User{UID: 1001, GID: 10}, ""},
		{"explicit unknown gid", full, "bob:777", specs.User{UID: 1001, GID: 777}, ""},
		{"explicit unknown group", full, "bob:nogroup", specs.User{}, `group "nogroup": no such group in ` + full + "/etc/group"},
		{"uid and gid", full, "5:6", specs.User{UID: 5, GID: 6}, ""},
		{"empty group", full, "alice:", specs.User{}, `user "alice:": empty group`},
		{"no files, numeric", empty, "10:20", specs.User{UID: 10, GID: 20}, ""},
		{"no files, name", empty, "alice", specs.User{}, `user "alice": no such user in ` + empty + "/etc/passwd"},
		{"no files, group name", empty, "0:wheel", specs.User{}, `group "wheel": no such group in ` + empty + "/etc/group"},
		{"uid out of range", full, "4294967296", specs.User{}, `user "4294967296": no such user in ` + full + "/etc/passwd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.rootfs, tt.spec)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestHomeDir(t *testing.T) {
	full := rootfsWith(t, map[string]string{"passwd": testPasswd})
	tests := []struct {
		rootfs string
		uid    uint32
		want   string
	}{
		{full, 0, "/root"},
		{full, 1001, "/home/bob"},
		{full, 1002, "/"},
		{full, 9999, "/"},
		{rootfsWith(t, nil), 0, "/"},
		{filepath.Join(full, "missing"), 0, "/"},
	}
	for _, tt := range tests {
		if got := HomeDir(tt.rootfs, tt.uid); got != tt.want {
			t.Errorf("HomeDir(%s, %d) = %q, want %q", tt.rootfs, tt.uid, got, tt.want)
		}
	}
}

// TestFilesStayInRoot checks that /etc/passwd is resolved inside the rootfs:
// an absolute symlink or a ".." walk must not reach the host's files.
func TestFilesStayInRoot(t *testing.T) {
	tests := []struct {
		name, target string
	}{
		{"absolute", "/etc/passwd.real"},
		{"dotdot", "../../../../../../etc/passwd.real"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := rootfsWith(t, map[string]string{"passwd.real": "alice:x:1234:1234::/inside:/bin/sh\n"})
			if err := os.Symlink(tt.target, filepath.Join(root, "etc/passwd")); err != nil {
				t.Fatal(err)
			}
			if got := HomeDir(root, 1234); got != "/inside" {
				t.Fatalf("HomeDir = %q, want /inside", got)
			}
			if got := HomeDir(root, 0); got != "/" {
				t.Fatalf("HomeDir(0) = %q: read the host's passwd", got)
			}
		})
	}
}

// TestPasswdNotRegular: an image's /etc/passwd that is a FIFO or a device
// must neither hang the runtime nor be read.
func TestPasswdNotRegular(t *testing.T) {
	root := rootfsWith(t, nil)
	if err := unix.Mkfifo(filepath.Join(root, "etc/passwd"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := HomeDir(root, 0); got != "/" {
		t.Errorf("FIFO: HomeDir = %q, want /", got)
	}
	if os.Geteuid() != 0 {
		return
	}
	dev := rootfsWith(t, nil)
	if err := unix.Mknod(filepath.Join(dev, "etc/passwd"), unix.S_IFCHR|0o644, int(unix.Mkdev(1, 5))); err != nil {
		t.Fatal(err)
	}
	if got := HomeDir(dev, 0); got != "/" {
		t.Errorf("/dev/zero's device: HomeDir = %q, want /", got)
	}
}

package rootfs

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptions(t *testing.T) {
	tests := []struct {
		name string
		opts []string
		want MountOptions
	}{
		{"empty", nil, MountOptions{}},
		{"defaults", []string{"defaults"}, MountOptions{}},
		{"runc dev tmpfs", []string{"nosuid", "strictatime", "mode=755", "size=65536k"}, MountOptions{
			Flags: unix.MS_NOSUID | unix.MS_STRICTATIME, Data: "mode=755,size=65536k"}},
		{"bind ro", []string{"bind", "ro"}, MountOptions{Flags: unix.MS_BIND | unix.MS_RDONLY}},
		{"rbind", []string{"rbind"}, MountOptions{Flags: unix.MS_BIND | unix.MS_REC}},
		{"later wins", []string{"ro", "rw"}, MountOptions{Cleared: unix.MS_RDONLY}},
		{"set after clear", []string{"suid", "nosuid"}, MountOptions{Flags: unix.MS_NOSUID}},
		{"clears", []string{"dev", "exec", "suid", "atime", "diratime", "async", "nomand", "norelatime", "nostrictatime", "nolazytime"},
			MountOptions{Cleared: unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSUID | unix.MS_NOATIME | unix.MS_NODIRATIME |
				unix.MS_SYNCHRONOUS | unix.MS_MANDLOCK | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_LAZYTIME}},
		{"sets", []string{"sync", "dirsync", "remount", "mand", "noatime", "nodiratime", "relatime", "lazytime", "nodev", "noexec"},
			MountOptions{Flags: unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_REMOUNT | unix.MS_MANDLOCK | unix.MS_NOATIME |
				unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_LAZYTIME | unix.MS_NODEV | unix.MS_NOEXEC}},
		{"propagation in order", []string{"rbind", "rprivate", "shared", "slave", "runbindable"}, MountOptions{
			Flags:       unix.MS_BIND | unix.MS_REC,
			Propagation: []uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED, unix.MS_SLAVE, unix.MS_UNBINDABLE | unix.MS_REC}}},
		{"rro", []string{"rbind", "rro"}, MountOptions{Flags: unix.MS_BIND | unix.MS_REC,
			RecAttr: &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}}},
		{"rro then rrw", []string{"rro", "rrw"}, MountOptions{RecAttr: &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}}},
		{"rnoatime clears atime field", []string{"rnoatime", "rnosuid", "rexec"}, MountOptions{RecAttr: &unix.MountAttr{
			Attr_set: unix.MOUNT_ATTR_NOATIME | unix.MOUNT_ATTR_NOSUID,
			Attr_clr: unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NOEXEC}}},
		{"rrelatime", []string{"rrelatime"}, MountOptions{RecAttr: &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR__ATIME}}},
		{"rstrictatime rnodev rsuid rdev rnodiratime", []string{"rstrictatime", "rnodev", "rsuid", "rnodiratime"}, MountOptions{RecAttr: &unix.MountAttr{
			Attr_set: unix.MOUNT_ATTR_STRICTATIME | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NODIRATIME,
			Attr_clr: unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NOSUID}}},
		{"devpts data", []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}, MountOptions{
			Flags: unix.MS_NOSUID | unix.MS_NOEXEC, Data: "newinstance,ptmxmode=0666,mode=0620,gid=5"}},
		{"tmpcopyup", []string{"tmpcopyup"}, MountOptions{CopyUp: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMountOptions(tt.opts)
			if err != nil {
				t.Fatalf("ParseMountOptions(%q): %v", tt.opts, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseMountOptions(%q) =\n %+v, want\n %+v", tt.opts, got, tt.want)
			}
		})
	}
}

func TestParseMountOptionsErrors(t *testing.T) {
	for _, opts := range [][]string{{"idmap"}, {"bind", "ridmap"}, {"ro", ""}} {
		if _, err := ParseMountOptions(opts); err == nil {
			t.Errorf("ParseMountOptions(%q) succeeded, want an error", opts)
		}
	}
}

func TestBindAttr(t *testing.T) {
	const all = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NODIRATIME
	tests := []struct {
		name           string
		flags, cleared uintptr
		want           unix.MountAttr
	}{
		{"ro clears the rest, keeps atime", unix.MS_BIND | unix.MS_RDONLY, 0,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY, Attr_clr: all &^ unix.MOUNT_ATTR_RDONLY}},
		{"noatime", unix.MS_BIND | unix.MS_NOATIME | unix.MS_NOSUID, 0,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOATIME | unix.MOUNT_ATTR_NOSUID,
				Attr_clr: (all &^ unix.MOUNT_ATTR_NOSUID) | unix.MOUNT_ATTR__ATIME}},
		{"atime asked back means relatime", unix.MS_BIND | unix.MS_NODEV, unix.MS_NOATIME,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_RELATIME,
				Attr_clr: (all &^ unix.MOUNT_ATTR_NODEV) | unix.MOUNT_ATTR__ATIME}},
		{"strictatime", unix.MS_BIND | unix.MS_STRICTATIME, 0,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_STRICTATIME, Attr_clr: all | unix.MOUNT_ATTR__ATIME}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bindAttr(tt.flags, tt.cleared); got != tt.want {
				t.Errorf("bindAttr(%#x, %#x) = %+v, want %+v", tt.flags, tt.cleared, got, tt.want)
			}
		})
	}
	if needsBindAttr(unix.MS_BIND | unix.MS_REC) {
		t.Error("needsBindAttr(rbind) = true, want false")
	}
	if !needsBindAttr(unix.MS_BIND | unix.MS_NOSUID) {
		t.Error("needsBindAttr(bind,nosuid) = false, want true")
	}
}

func TestSysctlPath(t *testing.T) {
	tests := []struct{ name, want, err string }{
		{"net.ipv4.ip_forward", "net/ipv4/ip_forward", ""},
		{"kernel.domainname", "kernel/domainname", ""},
		{"kernel..x", "", "invalid"},
		{"net/../../etc", "", "invalid"},
		{".kernel", "", "invalid"},
		{"kernel.", "", "invalid"},
		{"", "", "invalid"},
	}
	for _, tt := range tests {
		got, err := sysctlPath(tt.name)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("sysctlPath(%q) error = %v, want one containing %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("sysctlPath(%q) = %q, %v, want %q", tt.name, got, err, tt.want)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`/a\040b`: "/a b", `/plain`: "/plain", `/x\134y`: `/x\y`, `/trail\04`: `/trail\04`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestOptionNamesAreKnown(t *testing.T) {
	names := OptionNames()
	if len(names) < len(mountFlags)+len(propagationFlags)+len(recAttrFlags)+1 {
		t.Fatalf("OptionNames() has %d names, want every flag, propagation, r* attribute and tmpcopyup", len(names))
	}
	for _, n := range names {
		o, err := ParseMountOptions([]string{n})
		if err != nil || o.Data != "" {
			t.Errorf("ParseMountOptions(%q) = data %q, %v: a listed option must not fall through to data", n, o.Data, err)
		}
	}
}

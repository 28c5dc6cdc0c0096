package mountopt

import (
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		opts []string
		want Options
	}{
		{"empty", nil, Options{}},
		{"defaults", []string{"defaults"}, Options{}},
		{"runc dev tmpfs", []string{"nosuid", "strictatime", "mode=755", "size=65536k"}, Options{
			Flags: unix.MS_NOSUID | unix.MS_STRICTATIME, Data: "mode=755,size=65536k"}},
		{"bind ro", []string{"bind", "ro"}, Options{Flags: unix.MS_BIND | unix.MS_RDONLY}},
		{"rbind", []string{"rbind"}, Options{Flags: unix.MS_BIND | unix.MS_REC}},
		{"later wins", []string{"ro", "rw"}, Options{Cleared: unix.MS_RDONLY}},
		{"set after clear", []string{"suid", "nosuid"}, Options{Flags: unix.MS_NOSUID}},
		{"clears", []string{"dev", "exec", "suid", "atime", "diratime", "async", "nomand", "norelatime", "nostrictatime", "nolazytime"},
			Options{Cleared: unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_NOSUID | unix.MS_NOATIME | unix.MS_NODIRATIME |
				unix.MS_SYNCHRONOUS | unix.MS_MANDLOCK | unix.MS_RELATIME | unix.MS_STRICTATIME | unix.MS_LAZYTIME}},
		{"sets", []string{"sync", "dirsync", "remount", "mand", "noatime", "nodiratime", "relatime", "lazytime", "nodev", "noexec"},
			Options{Flags: unix.MS_SYNCHRONOUS | unix.MS_DIRSYNC | unix.MS_REMOUNT | unix.MS_MANDLOCK | unix.MS_NOATIME |
				unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_LAZYTIME | unix.MS_NODEV | unix.MS_NOEXEC}},
		{"propagation in order", []string{"rbind", "rprivate", "shared", "slave", "runbindable"}, Options{
			Flags:       unix.MS_BIND | unix.MS_REC,
			Propagation: []uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SHARED, unix.MS_SLAVE, unix.MS_UNBINDABLE | unix.MS_REC}}},
		{"rro", []string{"rbind", "rro"}, Options{Flags: unix.MS_BIND | unix.MS_REC,
			RecAttr: &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}}},
		{"rro then rrw", []string{"rro", "rrw"}, Options{RecAttr: &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR_RDONLY}}},
		{"rnoatime clears atime field", []string{"rnoatime", "rnosuid", "rexec"}, Options{RecAttr: &unix.MountAttr{
			Attr_set: unix.MOUNT_ATTR_NOATIME | unix.MOUNT_ATTR_NOSUID,
			Attr_clr: unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NOEXEC}}},
		{"rrelatime", []string{"rrelatime"}, Options{RecAttr: &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR__ATIME}}},
		{"ratime clears the whole atime field", []string{"ratime"}, Options{RecAttr: &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR__ATIME}}},
		{"rnorelatime", []string{"rnorelatime"}, Options{RecAttr: &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR__ATIME}}},
		{"rnostrictatime", []string{"rnostrictatime"}, Options{RecAttr: &unix.MountAttr{Attr_clr: unix.MOUNT_ATTR__ATIME}}},
		{"rnosymfollow", []string{"rnosymfollow"}, Options{RecAttr: &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOSYMFOLLOW}}},
		{"symfollow", []string{"nosymfollow", "symfollow"}, Options{Cleared: unix.MS_NOSYMFOLLOW}},
		{"rstrictatime rnodev rsuid rdev rnodiratime", []string{"rstrictatime", "rnodev", "rsuid", "rnodiratime"}, Options{RecAttr: &unix.MountAttr{
			Attr_set: unix.MOUNT_ATTR_STRICTATIME | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NODIRATIME,
			Attr_clr: unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NOSUID}}},
		{"devpts data", []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}, Options{
			Flags: unix.MS_NOSUID | unix.MS_NOEXEC, Data: "newinstance,ptmxmode=0666,mode=0620,gid=5"}},
		{"tmpcopyup", []string{"tmpcopyup"}, Options{CopyUp: true}},
		{"idmap", []string{"bind", "idmap"}, Options{Flags: unix.MS_BIND, IDMap: true}},
		{"ridmap", []string{"rbind", "ridmap"}, Options{Flags: unix.MS_BIND | unix.MS_REC, IDMap: true, IDMapRecursive: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.opts)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.opts, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) =\n %+v, want\n %+v", tt.opts, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, opts := range [][]string{{"ro", ""}, {""}} {
		if _, err := Parse(opts); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", opts)
		}
	}
}

func TestNamesAreKnown(t *testing.T) {
	names := Names()
	if len(names) < len(mountFlags)+len(propagationFlags)+len(recAttrFlags)+1 {
		t.Fatalf("Names() has %d names, want every flag, propagation, r* attribute and tmpcopyup", len(names))
	}
	for _, n := range names {
		o, err := Parse([]string{n})
		if err != nil || o.Data != "" {
			t.Errorf("Parse(%q) = data %q, %v: a listed option must not fall through to data", n, o.Data, err)
		}
	}
}

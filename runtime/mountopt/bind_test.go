package mountopt

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestBindAttr(t *testing.T) {
	const all = unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC | unix.MOUNT_ATTR_NOSYMFOLLOW
	const atime = unix.MOUNT_ATTR__ATIME | unix.MOUNT_ATTR_NODIRATIME
	tests := []struct {
		name  string
		flags uintptr
		want  unix.MountAttr
	}{
		{"ro clears the rest, keeps atime", unix.MS_BIND | unix.MS_RDONLY,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY, Attr_clr: all &^ unix.MOUNT_ATTR_RDONLY}},
		{"plain bind clears every per-mount flag", unix.MS_BIND, unix.MountAttr{Attr_clr: all}},
		{"noatime", unix.MS_BIND | unix.MS_NOATIME | unix.MS_NOSUID,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOATIME | unix.MOUNT_ATTR_NOSUID, Attr_clr: (all &^ unix.MOUNT_ATTR_NOSUID) | atime}},
		{"nodiratime implies relatime", unix.MS_BIND | unix.MS_NODIRATIME,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NODIRATIME | unix.MOUNT_ATTR_RELATIME, Attr_clr: all | atime}},
		{"strictatime wins over noatime", unix.MS_BIND | unix.MS_STRICTATIME | unix.MS_NOATIME | unix.MS_NODIRATIME,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_STRICTATIME | unix.MOUNT_ATTR_NODIRATIME, Attr_clr: all | atime}},
		{"noatime wins over relatime", unix.MS_BIND | unix.MS_NOATIME | unix.MS_RELATIME,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOATIME, Attr_clr: all | atime}},
		{"nosymfollow", unix.MS_BIND | unix.MS_NOSYMFOLLOW,
			unix.MountAttr{Attr_set: unix.MOUNT_ATTR_NOSYMFOLLOW, Attr_clr: all &^ unix.MOUNT_ATTR_NOSYMFOLLOW}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BindAttr(tt.flags); got != tt.want {
				t.Errorf("BindAttr(%#x) = %+v, want %+v", tt.flags, got, tt.want)
			}
		})
	}
}

func TestNeedsBindAttr(t *testing.T) {
	tests := []struct {
		opts []string
		want bool
	}{
		{[]string{"rbind"}, false},
		{[]string{"bind", "rprivate"}, false},
		{[]string{"bind", "nosuid"}, true},
		{[]string{"bind", "dev"}, true},        // a clear alone remounts, as runc
		{[]string{"bind", "norelatime"}, true}, // though it keeps the atime mode
	}
	for _, tt := range tests {
		o, err := Parse(tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		if got := NeedsBindAttr(o); got != tt.want {
			t.Errorf("NeedsBindAttr(%q) = %v, want %v", tt.opts, got, tt.want)
		}
	}
}

// TestLockedRetry is the user-namespace case of runc's mounts_sshfs.bats:
// a source's locked flags are kept unless the options clear one of them
// or ask for another access-time setting.
func TestLockedRetry(t *testing.T) {
	tests := []struct {
		name    string
		opts    []string
		src     uintptr
		want    uintptr
		wantErr string
	}{
		{"implied rw keeps ro", []string{"bind", "nosuid", "nodev"}, unix.MS_RDONLY | unix.MS_RELATIME,
			unix.MS_BIND | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_RDONLY | unix.MS_RELATIME, ""},
		{"explicit rw fails", []string{"bind", "rw"}, unix.MS_RDONLY, 0, "cannot clear locked flags ro"},
		{"an unlocked clear is fine", []string{"bind", "dev"}, unix.MS_RDONLY | unix.MS_NOEXEC | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_NOSYMFOLLOW,
			unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOEXEC | unix.MS_NODIRATIME | unix.MS_RELATIME, ""},
		{"another atime mode fails", []string{"bind", "strictatime"}, unix.MS_RELATIME, 0, "cannot change locked atime flags relatime"},
		{"nodiratime on noatime fails", []string{"bind", "nodiratime"}, unix.MS_NOATIME, 0, "cannot change locked atime flags noatime"},
		{"the same atime mode is fine", []string{"bind", "ro", "noatime"}, unix.MS_NOATIME | unix.MS_NOSUID,
			unix.MS_BIND | unix.MS_RDONLY | unix.MS_NOATIME | unix.MS_NOSUID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := LockedRetry(o, tt.src)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LockedRetry(%q, %s) = %v, want error %q", tt.opts, FlagNames(tt.src), err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("LockedRetry(%q, %s) = %s, %v, want %s", tt.opts, FlagNames(tt.src), FlagNames(got), err, FlagNames(tt.want))
			}
		})
	}
}

func TestStatfsFlags(t *testing.T) {
	if got := StatfsFlags(unix.ST_RDONLY | unix.ST_NOSUID); got != unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_STRICTATIME {
		t.Errorf("StatfsFlags(ro,nosuid) = %s, want strictatime added", FlagNames(got))
	}
	if got := StatfsFlags(unix.ST_RELATIME | unix.ST_NODIRATIME); got != unix.MS_RELATIME|unix.MS_NODIRATIME {
		t.Errorf("StatfsFlags(relatime,nodiratime) = %s", FlagNames(got))
	}
}

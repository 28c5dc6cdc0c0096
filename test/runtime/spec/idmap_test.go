package spec_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/test/testutil"
)

// idmapSource makes a host dir of uid and gid 1000 holding owned, a file
// of theirs. The kernel lets nobody write to a directory whose owner an
// idmapped mount leaves unmapped: the dir is 1000's too.
func idmapSource(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "owned")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, f} {
		if err := os.Chown(p, 1000, 1000); err != nil {
			t.Fatal(err)
		}
	}
	// The default spec gives root no CAP_DAC_OVERRIDE.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

func idMap(ctr, host, size uint32) []specs.LinuxIDMapping {
	return []specs.LinuxIDMapping{{ContainerID: ctr, HostID: host, Size: size}}
}

// ownerOf is a host file's uid:gid.
func ownerOf(t *testing.T, path string) string {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		t.Fatal(err)
	}
	return itoa(int(st.Uid)) + ":" + itoa(int(st.Gid))
}

// hostMount mounts on the host for one test and unmounts at its end.
func hostMount(t *testing.T, src, dst, typ string, flags uintptr, data string) {
	t.Helper()
	if err := unix.Mount(src, dst, typ, flags, data); err != nil {
		t.Fatalf("mount %s on %s: %v", src, dst, err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dst, unix.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dst, err)
		}
	})
}

// TestIDMappedBind: a bind with uidMappings and gidMappings and no user
// namespace shows a file of host uid 1000 as the mapped owner 2000; what a
// process of uid 2000 creates lands on the host as 1000, and root, which
// the mapping does not cover, may not create anything (EOVERFLOW).
func TestIDMappedBind(t *testing.T) {
	rt, b := setup(t)
	src := idmapSource(t)
	b.AddMount(specs.Mount{Destination: "/data", Type: "bind", Source: src, Options: []string{"bind"},
		UIDMappings: idMap(1000, 2000, 1), GIDMappings: idMap(1000, 2000, 1)})
	if got := rt.ShellOutput(t, b, "stat -c %u:%g /data/owned"); got != "2000:2000" {
		t.Errorf("owner of a uid 1000 file through 1000->2000: %q, want 2000:2000", got)
	}
	b.Shell("touch /data/by-root")
	if res := rt.RunBundle(t, b); res.ExitCode == 0 || !strings.Contains(res.Stderr, "Value too large") {
		t.Errorf("root creating a file on a mapping without it: exit %d, stderr %q, want EOVERFLOW", res.ExitCode, res.Stderr)
	}
	b.Update(func(s *specs.Spec) { s.Process.User = specs.User{UID: 2000, GID: 2000} })
	if got := rt.ShellOutput(t, b, "touch /data/new && stat -c %u:%g /data/new"); got != "2000:2000" {
		t.Errorf("a file created by uid 2000 seen inside: %q", got)
	}
	if got := ownerOf(t, filepath.Join(src, "new")); got != "1000:1000" {
		t.Errorf("a file created by uid 2000 through 1000->2000 is %s on the host, want 1000:1000", got)
	}
	// A plain bind of the same dir next to it is not mapped.
	b.AddMount(specs.Mount{Destination: "/plain", Type: "bind", Source: src, Options: []string{"bind"}})
	b.Update(func(s *specs.Spec) { s.Process.User = specs.User{} })
	if got := rt.ShellOutput(t, b, "stat -c %u:%g /data/owned /plain/owned"); got != "2000:2000\n1000:1000" {
		t.Errorf("idmapped and plain binds of one dir: %q, want 2000:2000 then 1000:1000", got)
	}
}

// TestIDMappedBindUserNamespace: in a container with a user namespace
// (0->100000), "idmap" alone takes the container's mapping, so a host
// file of uid 1000 is 1000 inside and what the container's root creates
// is root's on the host; explicit mappings on the mount win.
func TestIDMappedBindUserNamespace(t *testing.T) {
	rt, b := setup(t)
	worldSearchable(t, b.Dir)
	src := idmapSource(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings, s.Linux.GIDMappings = idMap(0, 100000, 65536), idMap(0, 100000, 65536)
	})
	b.AddMount(specs.Mount{Destination: "/tmp/data", Type: "bind", Source: src, Options: []string{"bind", "idmap"}})
	// Relative: taken from the container's /, as runc does.
	b.AddMount(specs.Mount{Destination: "tmp/mine", Type: "bind", Source: src, Options: []string{"bind"},
		UIDMappings: idMap(1000, 100005, 1), GIDMappings: idMap(1000, 100007, 1)})
	got := rt.ShellOutput(t, b, "stat -c %u:%g /tmp/data/owned /tmp/mine/owned; touch /tmp/data/by-root && stat -c %u:%g /tmp/data/by-root")
	if got != "1000:1000\n5:7\n0:0" {
		t.Errorf("implied mapping, explicit mapping, a file made by root: %q, want 1000:1000, 5:7, 0:0", got)
	}
	if got := ownerOf(t, filepath.Join(src, "by-root")); got != "0:0" {
		t.Errorf("a file the container's root made through the idmapped bind is %s on the host, want 0:0", got)
	}
}

// worldSearchable lets ids of a user namespace reach the bundle's rootfs.
func worldSearchable(t *testing.T, dir string) {
	t.Helper()
	for ; dir != "/tmp" && dir != "/"; dir = filepath.Dir(dir) {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// TestIDMappedBindRecursive: with rbind, "idmap" maps only the top mount
// of the tree and "ridmap" its submounts too.
func TestIDMappedBindRecursive(t *testing.T) {
	rt := testutil.NewRuntime(t)
	top, sub := idmapSource(t), idmapSource(t)
	if err := os.Mkdir(filepath.Join(top, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	hostMount(t, sub, filepath.Join(top, "sub"), "", unix.MS_BIND, "")
	for _, c := range []struct{ opt, want string }{{"idmap", "2000:2000\n1000:1000"}, {"ridmap", "2000:2000\n2000:2000"}} {
		bb := testutil.NewBundle(t, rt)
		bb.AddMount(specs.Mount{Destination: "/tree", Type: "bind", Source: top, Options: []string{"rbind", c.opt},
			UIDMappings: idMap(1000, 2000, 1), GIDMappings: idMap(1000, 2000, 1)})
		if got := rt.ShellOutput(t, bb, "stat -c %u:%g /tree/owned /tree/sub/owned"); got != c.want {
			t.Errorf("rbind,%s: top and submount owners %q, want %q", c.opt, got, c.want)
		}
	}
}

// TestIDMappedBindFilesystems: a source on tmpfs can be id-mapped; one on
// overlayfs, which cannot, fails in one line that says so.
func TestIDMappedBindFilesystems(t *testing.T) {
	rt, b := setup(t)
	tmp := t.TempDir()
	hostMount(t, "tmpfs", tmp, "tmpfs", 0, "mode=0755")
	if err := os.WriteFile(filepath.Join(tmp, "owned"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(tmp, "owned"), 1000, 1000); err != nil {
		t.Fatal(err)
	}
	m := specs.Mount{Destination: "/data", Type: "bind", Source: tmp, Options: []string{"bind"},
		UIDMappings: idMap(1000, 2000, 1), GIDMappings: idMap(1000, 2000, 1)}
	b.AddMount(m)
	if got := rt.ShellOutput(t, b, "stat -c %u:%g /data/owned"); got != "2000:2000" {
		t.Errorf("idmapped bind of a tmpfs: %q, want 2000:2000", got)
	}

	base := t.TempDir()
	var dirs []string
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		dirs = append(dirs, filepath.Join(base, d))
		if err := os.Mkdir(dirs[len(dirs)-1], 0o755); err != nil {
			t.Fatal(err)
		}
	}
	hostMount(t, "overlay", dirs[3], "overlay", 0, "lowerdir="+dirs[0]+",upperdir="+dirs[1]+",workdir="+dirs[2])
	ob := testutil.NewBundle(t, rt)
	m.Source = dirs[3]
	ob.AddMount(m)
	id := testutil.NewID(t)
	res := rt.Run(t, "run", "--bundle", ob.Dir, id)
	if res.ExitCode != 1 {
		t.Errorf("idmapped bind of an overlay: exit %d, want 1", res.ExitCode)
	}
	testutil.OneErrorLine(t, res.Stderr, "overlay filesystem does not support id-mapped mounts")
	rt.AssertNothingLeft(t, id, ob)
}

// TestIDMappedBindRefused: mounts runc 1.5 refuses are refused before
// anything is made, in one line naming the mount.
func TestIDMappedBindRefused(t *testing.T) {
	src := t.TempDir()
	cases := []struct {
		name string
		m    specs.Mount
		want string
	}{
		{"uid mappings only", specs.Mount{Destination: "/a", Type: "bind", Source: src, Options: []string{"bind"}, UIDMappings: idMap(0, 1000, 1)},
			"must have both uidMappings and gidMappings"},
		{"idmap without a user namespace", specs.Mount{Destination: "/b", Type: "bind", Source: src, Options: []string{"bind", "idmap"}},
			"takes the container's user namespace, and there is none"},
		{"not a bind", specs.Mount{Destination: "/c", Type: "tmpfs", Source: "tmpfs", Options: []string{"idmap"},
			UIDMappings: idMap(0, 1000, 1), GIDMappings: idMap(0, 1000, 1)}, "only supported for bind mounts"},
		{"overlapping ranges", specs.Mount{Destination: "/d", Type: "bind", Source: src, Options: []string{"bind"},
			UIDMappings: []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}, {ContainerID: 5, HostID: 5000, Size: 10}},
			GIDMappings: idMap(0, 1000, 1)}, "uidMappings[1] overlaps uidMappings[0]"},
		{"empty range", specs.Mount{Destination: "/e", Type: "bind", Source: src, Options: []string{"bind"},
			UIDMappings: idMap(0, 1000, 1), GIDMappings: idMap(0, 1000, 0)}, "gidMappings[0]: size 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rt, b := setup(t)
			b.AddMount(c.m)
			id := testutil.NewID(t)
			res := rt.Run(t, "run", "--bundle", b.Dir, id)
			if res.ExitCode != 1 {
				t.Errorf("exit %d, want 1", res.ExitCode)
			}
			testutil.OneErrorLine(t, res.Stderr, c.want)
			if !strings.Contains(res.Stderr, c.m.Destination) {
				t.Errorf("stderr %q does not name the mount %s", res.Stderr, c.m.Destination)
			}
			rt.AssertNothingLeft(t, id, b)
		})
	}
}

// TestIDMappedBindContainerSource: an id-mapped bind whose source is under
// an earlier mount of the container (a host path through the rootfs) and
// whose destination is spelt as a host path under the rootfs, as in
// runc's mount-order test: the source is cloned at its turn, inside.
func TestIDMappedBindContainerSource(t *testing.T) {
	for _, userns := range []bool{false, true} {
		rt, b := setup(t)
		want := "1000:1000\n2000:2000"
		maps := idMap(1000, 2000, 1)
		if userns {
			// The runtime maps the tree the init cloned.
			worldSearchable(t, b.Dir)
			b.Update(func(s *specs.Spec) {
				s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
				s.Linux.UIDMappings, s.Linux.GIDMappings = idMap(0, 100000, 65536), idMap(0, 100000, 65536)
			})
			// Host uid 1000 is outside the container's map: overflow.
			want, maps = "65534:65534\n2000:2000", idMap(1000, 102000, 1)
		}
		b.AddMount(specs.Mount{Destination: "/tmp/mnt", Type: "bind", Source: idmapSource(t), Options: []string{"rbind"}})
		b.AddMount(specs.Mount{Destination: filepath.Join(b.Rootfs, "tmp/final"), Type: "bind", Source: filepath.Join(b.Rootfs, "tmp/mnt"),
			Options: []string{"bind", "idmap"}, UIDMappings: maps, GIDMappings: maps})
		b.Shell("stat -c %u:%g /tmp/mnt/owned /tmp/final/owned")
		res := rt.RunBundle(t, b)
		if got := strings.TrimSpace(res.Stdout); res.ExitCode != 0 || got != want {
			t.Errorf("userns %v: a bind in the container, then an idmapped bind of it: exit %d, %q, want %q", userns, res.ExitCode, got, want)
		}
	}
}

package storage_test

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCp(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "box", "busybox", "sh", "-c",
		"mkdir -p /data/sub && echo one > /data/a && echo two > /data/sub/b && ln -s /etc /data/escape && ln -s ../../../../../../etc /data/rel && ln -s /etc/passwd /data/pw && echo ready && exec sleep 1000")
	e.WaitLog("box", "ready")
	host := t.TempDir()
	hostPasswd, _ := os.ReadFile("/etc/passwd")
	ctrPasswd := e.Must("exec", "box", "cat", "/etc/passwd")
	for _, running := range []bool{true, false} {
		name := map[bool]string{true: "running", false: "stopped"}[running]
		t.Run(name, func(t *testing.T) {
			if !running {
				e.Must("stop", "-t", "0", "box")
			}
			out := filepath.Join(host, name)
			os.Mkdir(out, 0o755)
			// A directory into an existing one, and as a new name.
			e.Must("cp", "box:/data", out)
			if b, _ := os.ReadFile(filepath.Join(out, "data/sub/b")); string(b) != "two\n" {
				t.Errorf("cp dir: %q", b)
			}
			if l, _ := os.Readlink(filepath.Join(out, "data/escape")); l != "/etc" {
				t.Errorf("symlink copied as %q, want the link itself", l)
			}
			e.Must("cp", "box:/data/.", filepath.Join(out, "contents"))
			if b, _ := os.ReadFile(filepath.Join(out, "contents/a")); string(b) != "one\n" {
				t.Errorf("cp dir/. to a new dir: %q", b)
			}
			// Reads through symlinks stay in the container.
			for _, p := range []string{"/data/escape/passwd", "/data/rel/passwd"} {
				e.Must("cp", "box:"+p, filepath.Join(out, "passwd"))
				b, _ := os.ReadFile(filepath.Join(out, "passwd"))
				if string(b) != ctrPasswd || string(b) == string(hostPasswd) {
					t.Errorf("cp box:%s read %q, want the container's passwd", p, b)
				}
			}
			if running { // the next steps replace /data/pw
				e.Must("cp", "-L", "box:/data/pw", filepath.Join(out, "pw"))
				if b, _ := os.ReadFile(filepath.Join(out, "pw")); string(b) != ctrPasswd {
					t.Errorf("cp -L: %q", b)
				}
			}
			// Writes through symlinks stay in the container.
			src := filepath.Join(host, "pwned-"+name)
			os.WriteFile(src, []byte("x"), 0o644)
			for _, p := range []string{"/data/escape/", "/data/rel/"} {
				e.Must("cp", src, "box:"+p)
				if _, err := os.Stat(filepath.Join("/etc", filepath.Base(src))); err == nil {
					os.Remove(filepath.Join("/etc", filepath.Base(src)))
					t.Fatalf("cp to box:%s wrote the host's /etc", p)
				}
			}
			// Over a symlink in the container: the link is replaced, its
			// target (the host's /etc/passwd if followed outside) untouched.
			e.Must("cp", src, "box:/data/pw")
			if b, _ := os.ReadFile("/etc/passwd"); !bytes.Equal(b, hostPasswd) {
				t.Fatal("cp over a symlink changed the host's /etc/passwd")
			}
			if r := e.Run("cp", "box:/nonexistent", out); r.ExitCode == 0 || !strings.Contains(r.Stderr, "could not find the file") {
				t.Errorf("missing source: %d %q", r.ExitCode, r.Stderr)
			}
			// A tar on stdout.
			cmd := e.Cmd("cp", "box:/data/sub", "-")
			tarOut, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			tr := tar.NewReader(bytes.NewReader(tarOut))
			for h, err := tr.Next(); err != io.EOF && err == nil; h, err = tr.Next() {
				names = append(names, h.Name)
			}
			if strings.Join(names, " ") != "sub/ sub/b" {
				t.Errorf("cp to -: %q", names)
			}
		})
	}
	for _, p := range []string{"/etc/pwned-running", "/etc/pwned-stopped", "/data/pw"} {
		e.Must("cp", "box:"+p, filepath.Join(host, "back"))
		if b, _ := os.ReadFile(filepath.Join(host, "back")); string(b) != "x" {
			t.Errorf("the container's %s: %q, want the copied file", p, b)
		}
	}
}

func TestExport(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "--name", "made", "-v", "/vol", "busybox", "sh", "-c", "echo hi > /made && echo v > /vol/v && rm /bin/ls")
	out := filepath.Join(t.TempDir(), "made.tar")
	e.Must("export", "-o", out, "made")
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]string{}
	tr := tar.NewReader(f)
	for h, err := tr.Next(); err == nil; h, err = tr.Next() {
		b, _ := io.ReadAll(tr)
		names[h.Name] = string(b)
	}
	if names["made"] != "hi\n" || names["bin/busybox"] == "" {
		t.Errorf("export lacks the container's files: %d entries", len(names))
	}
	if _, ok := names["bin/ls"]; ok {
		t.Error("export has a file the container removed")
	}
	if _, ok := names["vol/v"]; ok {
		t.Error("export has a volume's content")
	}
	if r := e.Run("export", "nosuch"); r.ExitCode == 0 {
		t.Error("export of a missing container succeeded")
	}
}

// TestCpVolumes: cp reaches a container's volumes and bind mounts, running
// or stopped, in both directions, and stays inside the container through
// a symlink in a volume.
func TestCpVolumes(t *testing.T) {
	e := newEnv(t)
	host := t.TempDir()
	bindDir := filepath.Join(host, "bind")
	os.Mkdir(bindDir, 0o755)
	src := filepath.Join(host, "in")
	os.WriteFile(src, []byte("payload\n"), 0o644)
	e.Must("volume", "create", "cpvol")
	e.Must("create", "--name", "box", "-v", "cpvol:/vol", "-v", bindDir+":/bind", "-v", "cpro:/ro:ro",
		"busybox", "sh", "-c", "ln -sf /etc /vol/esc; echo ready; exec sleep 1000")
	// Never started: the mount points are not even in the rootfs yet.
	e.Must("cp", src, "box:/vol/first")
	e.Must("start", "box")
	e.WaitLog("box", "ready")
	if got := e.Must("exec", "box", "cat", "/vol/first"); got != "payload\n" {
		t.Errorf("cp into a volume of a created container: the container reads %q", got)
	}
	for _, running := range []bool{true, false} {
		name := map[bool]string{true: "running", false: "stopped"}[running]
		t.Run(name, func(t *testing.T) {
			if !running {
				e.Must("stop", "-t", "0", "box")
			}
			e.Must("cp", src, "box:/vol/"+name)
			e.Must("cp", src, "box:/bind/"+name)
			if b, _ := os.ReadFile(filepath.Join(bindDir, name)); string(b) != "payload\n" {
				t.Errorf("cp into a bind mount did not reach the host directory: %q", b)
			}
			out := filepath.Join(host, "out-"+name)
			e.Must("cp", "box:/vol/"+name, out)
			if b, _ := os.ReadFile(out); string(b) != "payload\n" {
				t.Errorf("cp out of a volume: %q", b)
			}
			if r := e.Run("cp", src, "box:/ro/x"); r.ExitCode == 0 {
				t.Errorf("cp into a read-only volume succeeded")
			}
			// /vol/esc is a symlink to /etc: the copy lands in the
			// container's /etc, never the host's.
			e.Must("cp", src, "box:/vol/esc/berth-cp-"+name)
			if _, err := os.Stat("/etc/berth-cp-" + name); err == nil {
				os.Remove("/etc/berth-cp-" + name)
				t.Fatalf("cp through a symlink in a volume wrote the host's /etc")
			}
		})
	}
	e.Must("start", "box")
	e.WaitLog("box", "ready")
	got := e.Must("exec", "box", "cat", "/vol/stopped", "/bind/stopped", "/etc/berth-cp-stopped")
	if got != strings.Repeat("payload\n", 3) {
		t.Errorf("files copied into the stopped container, seen after its start: %q", got)
	}
}

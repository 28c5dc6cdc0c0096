package ociruntime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeRuntime is an executable with runc's command line that records its
// arguments: state answers, kill fails with a JSON log error as runc's,
// delete fails on stderr.
const fakeRuntime = `#!/bin/sh
echo "$*" >> "$(dirname "$0")/args"
for a; do last="$a"; done
case " $* " in
*" state "*) echo '{"ociVersion":"1.0.2","id":"c1","pid":4242,"status":"running"}' ;;
*" kill "*) echo '{"level":"info","msg":"killing"}' >> "$4"
	echo '{"level":"error","msg":"container not running"}' >> "$4"; exit 1 ;;
*" delete "*) echo "delete said no" >&2; exit 1 ;;
esac
`

func newFake(t *testing.T) (*Container, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "fakert")
	if err := os.WriteFile(bin, []byte(fakeRuntime), 0o700); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	c, err := New(bin, filepath.Join(dir, "state"), "c1", filepath.Join(dir, "bundle"), work, "/berth/c1")
	if err != nil {
		t.Fatal(err)
	}
	return c, dir
}

func TestCommandLines(t *testing.T) {
	c, dir := newFake(t)
	if err := c.Load(); err != nil {
		t.Fatal(err)
	}
	if c.Pid() != 4242 {
		t.Errorf("Pid = %d after state, want 4242", c.Pid())
	}
	err := c.Signal(unix.SIGTERM, true)
	if err == nil || err.Error() != "OCI runtime kill failed: container not running" {
		t.Errorf("Signal error = %v, want the log's last error", err)
	}
	err = c.Delete(true)
	if err == nil || err.Error() != "OCI runtime delete failed: delete said no" {
		t.Errorf("Delete error = %v, want its stderr", err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "args"))
	if err != nil {
		t.Fatal(err)
	}
	global := "--root " + filepath.Join(dir, "state") + " --log " + filepath.Join(dir, "work", "runtime.log") + " --log-format json "
	want := []string{global + "state c1", global + "kill --all c1 15", global + "delete --force c1"}
	if got := strings.Split(strings.TrimSpace(string(data)), "\n"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("command lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestResolveRuntime(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "rt")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{"", Own, true},
		{"berth", Own, true},
		{exe, exe, true},
		{"/etc/passwd", "", false},
		{"/nonexistent/rt", "", false},
		{"kata", "", false},
		{"relative/rt", "", false},
	} {
		got, err := ResolveRuntime(tc.name)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ResolveRuntime(%q) = %q, %v", tc.name, got, err)
		}
	}
}

func TestStateKey(t *testing.T) {
	for in, want := range map[string]string{"runc": "runc", "/usr/local/bin/crun": "usr_local_bin_crun"} {
		if got := StateKey(in); got != want {
			t.Errorf("StateKey(%q) = %q, want %q", in, got, want)
		}
	}
}

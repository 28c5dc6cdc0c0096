package options_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/berth-containers/berth/test/testutil"
)

// TestDefaultSeccomp: every container gets Docker's default profile unless
// seccomp=unconfined or --privileged; its capability-dependent rules follow
// --cap-add; exec'd processes get the container's profile.
func TestDefaultSeccomp(t *testing.T) {
	e := newEnv(t)
	// mkdir is refused unless the container has CAP_SYS_ADMIN: a rule of
	// Docker's format that the OCI form cannot say.
	noMkdir := writeProfile(t, t.TempDir(), "nomkdir.json", `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
              {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}}]
}`)
	// unshare(CLONE_NEWUSER) needs no capability from the kernel: only the
	// profile refuses it, and allows it with CAP_SYS_ADMIN.
	userns := "grep '^Seccomp:' /proc/self/status | tr -d '\\t'; unshare -U true 2>&1 && echo userns ok"
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"default", nil, []string{"Seccomp:2", "Operation not permitted"}},
		{"builtin", []string{"--security-opt", "seccomp=builtin"}, []string{"Seccomp:2", "Operation not permitted"}},
		{"cap-add SYS_ADMIN", []string{"--cap-add", "SYS_ADMIN"}, []string{"Seccomp:2", "userns ok"}},
		{"unconfined", []string{"--security-opt", "seccomp=unconfined"}, []string{"Seccomp:0", "userns ok"}},
		{"privileged", []string{"--privileged"}, []string{"Seccomp:0", "userns ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run", "--rm"}, tc.args...), "busybox", "sh", "-c", userns)
			out := e.Run(args...).Stdout
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("got %q, want %q in it", out, w)
				}
			}
			if strings.Contains(out, "userns ok") && strings.Contains(out, "not permitted") {
				t.Errorf("got %q", out)
			}
		})
	}
	mkdir := "mkdir /x 2>&1 && echo made"
	if out := e.Run("run", "--rm", "--security-opt", "seccomp="+noMkdir, "busybox", "sh", "-c", mkdir).Stdout; !strings.Contains(out, "Operation not permitted") {
		t.Errorf("custom profile without CAP_SYS_ADMIN: mkdir gave %q", out)
	}
	if out := e.Run("run", "--rm", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp="+noMkdir, "busybox", "sh", "-c", mkdir).Stdout; !strings.Contains(out, "made") {
		t.Errorf("custom profile with CAP_SYS_ADMIN: mkdir gave %q", out)
	}

	e.Must("run", "-d", "--name", "confined", "busybox", "sleep", "1000")
	if out := e.Run("exec", "confined", "sh", "-c", userns).Stdout; !strings.Contains(out, "Seccomp:2") || !strings.Contains(out, "not permitted") {
		t.Errorf("exec in a confined container: %q", out)
	}
	e.Must("run", "-d", "--name", "open", "--security-opt", "seccomp=unconfined", "busybox", "sleep", "1000")
	if out := e.Run("exec", "open", "sh", "-c", userns).Stdout; !strings.Contains(out, "Seccomp:0") {
		t.Errorf("exec in an unconfined container: %q", out)
	}
}

// TestSeccompProfileErrors: a profile that cannot be read or used fails
// create with one line naming the file, and leaves no container.
func TestSeccompProfileErrors(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	bad := writeProfile(t, dir, "bad.json", `{"defaultAction": `)
	wrong := writeProfile(t, dir, "wrong.json", `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOPE"}]}`)
	for _, tc := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.json"), "opening seccomp profile (" + filepath.Join(dir, "missing.json") + ") failed"},
		{bad, "compacting json for seccomp profile (" + bad + ") failed"},
	} {
		r := e.Run("run", "--rm", "--security-opt", "seccomp="+tc.path, "busybox", "true")
		if r.ExitCode != 125 || !strings.Contains(r.Stderr, tc.want) {
			t.Errorf("seccomp=%s: exit %d, stderr %q; want 125 and %q", tc.path, r.ExitCode, r.Stderr, tc.want)
		}
	}
	// A profile that parses but names an unknown action fails at start,
	// where the runtime compiles it.
	r := e.Run("run", "--rm", "--security-opt", "seccomp="+wrong, "busybox", "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "SCMP_ACT_NOPE") {
		t.Errorf("unknown action: exit %d, stderr %q", r.ExitCode, r.Stderr)
	}
	if ids := strings.Fields(e.Must("ps", "-aq")); len(ids) != 0 {
		t.Errorf("failed runs left containers: %v", ids)
	}
}

// TestSecurityOptInspect: HostConfig.SecurityOpt holds what dockerd keeps:
// the profile's compact JSON, not its path; label=disable when privileged.
func TestSecurityOptInspect(t *testing.T) {
	e := newEnv(t)
	prof := writeProfile(t, t.TempDir(), "p.json", "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"plain", nil, "null"},
		{"file", []string{"--security-opt", "seccomp=" + prof}, `["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"]`},
		{"unconfined", []string{"--security-opt", "seccomp=unconfined"}, `["seccomp=unconfined"]`},
		{"privileged", []string{"--privileged"}, `["label=disable"]`},
	} {
		e.Must(append(append([]string{"create", "--name", tc.name}, tc.args...), "busybox", "true")...)
		if got := e.Inspect(tc.name, "{{json .HostConfig.SecurityOpt}}"); got != tc.want {
			t.Errorf("%s: SecurityOpt %s, want %s", tc.name, got, tc.want)
		}
	}
	// The container keeps its profile when the file goes.
	if err := os.Remove(prof); err != nil {
		t.Fatal(err)
	}
	if r := e.Run("start", "-a", "file"); r.ExitCode != 0 {
		t.Errorf("start after the profile file went: exit %d: %s", r.ExitCode, r.Stderr)
	}
}

// writeProfile writes a seccomp profile file into dir and returns its path.
func writeProfile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// buildProbe builds the static test program testdata/NAME for a container
// to run from a bind mount (busybox lacks it).
func buildProbe(t *testing.T, name string) string {
	t.Helper()
	root, err := testutil.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), name)
	build := exec.Command("go", "build", "-o", bin, "./test/engine/options/testdata/"+name)
	build.Dir, build.Env = root, append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", name, err, out)
	}
	return bin
}

// TestDefaultSeccompCalls: the default profile's argument filters and
// errno choices, seen by a program that makes the calls itself.
func TestDefaultSeccompCalls(t *testing.T) {
	e := newEnv(t)
	probe := buildProbe(t, "sysprobe")
	for _, tc := range []struct {
		name string
		args []string // flags, then the probe's arguments after "--"
		want string
	}{
		// personality: only Docker's few values (PER_LINUX, PER_LINUX32,
		// UNAME26 with them, the query) pass; ADDR_NO_RANDOMIZE does not.
		{"personality query", []string{"--", "personality", "0xffffffff"}, "ok"},
		{"personality PER_LINUX32", []string{"--", "personality", "0x8"}, "ok"},
		{"personality ADDR_NO_RANDOMIZE", []string{"--", "personality", "0x40000"}, "EPERM"},
		{"personality unconfined", []string{"--security-opt", "seccomp=unconfined", "--", "personality", "0x40000"}, "ok"},
		{"keyctl refused", []string{"--", "keyctl"}, "EPERM"},
		{"keyctl unconfined", []string{"--security-opt", "seccomp=unconfined", "--", "keyctl"}, "ok"},
		// clone3 fails with ENOSYS, so that libc falls back to clone,
		// whose namespace flags the profile can check; with
		// CAP_SYS_ADMIN it reaches the kernel (EINVAL for no arguments).
		{"clone3 ENOSYS", []string{"--", "clone3"}, "ENOSYS"},
		{"clone3 with SYS_ADMIN", []string{"--cap-add", "SYS_ADMIN", "--", "clone3"}, "EINVAL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			i := slices.Index(tc.args, "--")
			args := append([]string{"run", "--rm", "-v", probe + ":/sysprobe:ro"}, tc.args[:i]...)
			args = append(append(args, "busybox", "/sysprobe"), tc.args[i+1:]...)
			r := e.Run(args...)
			if got := strings.TrimSpace(r.Stdout); got != tc.want {
				t.Errorf("got %q (exit %d, %s), want %q", got, r.ExitCode, strings.TrimSpace(r.Stderr), tc.want)
			}
		})
	}
}

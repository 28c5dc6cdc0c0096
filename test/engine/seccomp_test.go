package engine_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
			out := e.run(args...).stdout
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
	if out := e.run("run", "--rm", "--security-opt", "seccomp="+noMkdir, "busybox", "sh", "-c", mkdir).stdout; !strings.Contains(out, "Operation not permitted") {
		t.Errorf("custom profile without CAP_SYS_ADMIN: mkdir gave %q", out)
	}
	if out := e.run("run", "--rm", "--cap-add", "SYS_ADMIN", "--security-opt", "seccomp="+noMkdir, "busybox", "sh", "-c", mkdir).stdout; !strings.Contains(out, "made") {
		t.Errorf("custom profile with CAP_SYS_ADMIN: mkdir gave %q", out)
	}

	e.must("run", "-d", "--name", "confined", "busybox", "sleep", "1000")
	if out := e.run("exec", "confined", "sh", "-c", userns).stdout; !strings.Contains(out, "Seccomp:2") || !strings.Contains(out, "not permitted") {
		t.Errorf("exec in a confined container: %q", out)
	}
	e.must("run", "-d", "--name", "open", "--security-opt", "seccomp=unconfined", "busybox", "sleep", "1000")
	if out := e.run("exec", "open", "sh", "-c", userns).stdout; !strings.Contains(out, "Seccomp:0") {
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
		r := e.run("run", "--rm", "--security-opt", "seccomp="+tc.path, "busybox", "true")
		if r.code != 125 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("seccomp=%s: exit %d, stderr %q; want 125 and %q", tc.path, r.code, r.stderr, tc.want)
		}
	}
	// A profile that parses but names an unknown action fails at start,
	// where the runtime compiles it.
	r := e.run("run", "--rm", "--security-opt", "seccomp="+wrong, "busybox", "true")
	if r.code == 0 || !strings.Contains(r.stderr, "SCMP_ACT_NOPE") {
		t.Errorf("unknown action: exit %d, stderr %q", r.code, r.stderr)
	}
	if ids := strings.Fields(e.must("ps", "-aq")); len(ids) != 0 {
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
		e.must(append(append([]string{"create", "--name", tc.name}, tc.args...), "busybox", "true")...)
		if got := e.inspect(tc.name, "{{json .HostConfig.SecurityOpt}}"); got != tc.want {
			t.Errorf("%s: SecurityOpt %s, want %s", tc.name, got, tc.want)
		}
	}
	// The container keeps its profile when the file goes.
	if err := os.Remove(prof); err != nil {
		t.Fatal(err)
	}
	if r := e.run("start", "-a", "file"); r.code != 0 {
		t.Errorf("start after the profile file went: exit %d: %s", r.code, r.stderr)
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

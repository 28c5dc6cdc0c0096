package security_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func seccompAllow(rules ...specs.LinuxSyscall) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls:      rules,
	}
}

func errnoRet(n uint) *uint { return &n }

func TestSeccompErrnoRet(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = seccompAllow(
			specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: errnoRet(13)},
			specs.LinuxSyscall{Names: []string{"rmdir", "no_such_syscall_in_any_kernel"}, Action: specs.ActErrno},
		)
	})
	b.Shell("mkdir /tmp/x 2>&1; rmdir /tmp 2>&1; grep -E '^Seccomp:' /proc/self/status")
	res := rt.RunBundle(t, b)
	for _, want := range []string{"Permission denied", "Operation not permitted", "Seccomp:\t2"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("seccomp errnoRet 13 / default EPERM: output lacks %q:\n%s", want, res.Stdout)
		}
	}
}

func TestSeccompArgConditions(t *testing.T) {
	rt, b := setup(t)
	deny := func(name string, index uint) specs.LinuxSyscall {
		return specs.LinuxSyscall{Names: []string{name}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: index, Value: 0o777, Op: specs.OpEqualTo},
		}}
	}
	b.Update(func(s *specs.Spec) {
		// Two conditions on one argument are alternatives (runc's reading):
		// umask 0o022 or 0o077 is refused, others pass.
		alt := specs.LinuxSyscall{Names: []string{"umask"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: 0, Value: 0o022, Op: specs.OpEqualTo}, {Index: 0, Value: 0o077, Op: specs.OpEqualTo},
		}}
		masked := specs.LinuxSyscall{Names: []string{"personality"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{
			{Index: 0, Value: 0xff, ValueTwo: 0x08, Op: specs.OpMaskedEqual},
		}}
		s.Root.Readonly = false
		s.Linux.Seccomp = seccompAllow(deny("chmod", 1), deny("fchmodat", 2), deny("fchmodat2", 2), alt, masked)
	})
	b.Shell("touch /tmp/f; chmod 755 /tmp/f && echo 755-ok; chmod 777 /tmp/f || echo 777-denied; stat -c %a /tmp/f")
	if out := strings.TrimSpace(rt.RunBundle(t, b).Stdout); out != "755-ok\n777-denied\n755" {
		t.Errorf("chmod with an argument condition: %q", out)
	}
}

func TestSeccompKillProcessAndFlags(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"uname"}, Action: specs.ActKillProcess})
		if !rt.IsRunc11() { // runc 1.1 refuses every flag
			s.Linux.Seccomp.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC"}
		}
	})
	b.SetArgs("uname")
	if res := rt.RunBundle(t, b); res.ExitCode != 128+31 {
		t.Errorf("uname under SCMP_ACT_KILL_PROCESS: exit %d, want %d (SIGSYS)", res.ExitCode, 128+31)
	}
}

// TestSeccompWithoutNoNewPrivs: with no_new_privs off the filter is loaded
// while the runtime still has CAP_SYS_ADMIN, so a non-root process without
// capabilities still gets it.
func TestSeccompWithoutNoNewPrivs(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Process.NoNewPrivileges = false
		s.Process.User = specs.User{UID: 1000, GID: 1000}
		s.Process.Capabilities = &specs.LinuxCapabilities{}
		s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: errnoRet(22)})
	})
	b.Shell("grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status | tr -d '\\t'")
	if out := strings.TrimSpace(rt.RunBundle(t, b).Stdout); out != "NoNewPrivs:0\nSeccomp:2" {
		t.Errorf("seccomp without no_new_privs: %q", out)
	}
}

func TestSeccompExecInherits(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno})
	})
	id, _ := rt.RunningSleeper(t, b)
	res := rt.Run(t, "exec", id, "mkdir", "/tmp/x")
	if res.ExitCode == 0 || !strings.Contains(res.Stderr, "Operation not permitted") {
		t.Errorf("mkdir in an exec'd process under the container's filter: exit %d, %q", res.ExitCode, res.Stderr)
	}
}

func TestSeccompBadConfig(t *testing.T) {
	rt, b := setup(t)
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir"}, Action: "SCMP_ACT_NO_SUCH_ACTION"})
	})
	if res := rt.RunBundle(t, b); res.ExitCode == 0 {
		t.Errorf("unknown seccomp action accepted")
	}
}

// TestSeccompCache: berth-runtime keeps each profile's compiled program in
// <root>/.seccomp-cache (0700, files 0600); an entry that was tampered
// with, or that holds another profile's program, is never loaded.
func TestSeccompCache(t *testing.T) {
	rt, b := setup(t)
	deny := seccompAllow(specs.LinuxSyscall{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: errnoRet(13)})
	b.Update(func(s *specs.Spec) { s.Linux.Seccomp = deny })
	b.Shell("mkdir /tmp/x 2>&1 || true")
	denied := func(when string) {
		t.Helper()
		if out := rt.RunBundle(t, b).Stdout; !strings.Contains(out, "Permission denied") {
			t.Fatalf("%s: mkdir not denied by the filter: %q", when, out)
		}
	}
	denied("first run")
	dir := filepath.Join(rt.Root, ".seccomp-cache")
	st, err := os.Lstat(dir)
	if errors.Is(err, os.ErrNotExist) {
		t.Skip("the runtime keeps no seccomp cache")
	}
	if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
		t.Fatalf("%s: %v, %v; want a 0700 directory", dir, st.Mode(), err)
	}
	entries, _ := filepath.Glob(filepath.Join(dir, "*.bpf"))
	if len(entries) != 1 {
		t.Fatalf("cache holds %v, want one program", entries)
	}
	entry := entries[0]
	good, err := os.ReadFile(entry)
	if st, _ := os.Stat(entry); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v, %v; want 0600", entry, st.Mode(), err)
	}
	denied("cached run")

	// Another profile's (valid) entry, renamed to this profile's key.
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = seccompAllow(specs.LinuxSyscall{Names: []string{"swapon"}, Action: specs.ActErrno})
	})
	rt.RunBundle(t, b)
	entries, _ = filepath.Glob(filepath.Join(dir, "*.bpf"))
	for _, e := range entries {
		if e != entry {
			if err := os.Rename(e, entry); err != nil {
				t.Fatal(err)
			}
		}
	}
	b.Update(func(s *specs.Spec) { s.Linux.Seccomp = deny })
	denied("another profile's entry under this key")

	// A flipped bit in the program.
	bad := bytes.Clone(good)
	bad[len(bad)-5] ^= 0x10
	if err := os.WriteFile(entry, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	denied("a corrupted entry")
	if now, err := os.ReadFile(entry); err != nil || !bytes.Equal(now, good) {
		t.Errorf("the corrupted entry was not replaced (%v)", err)
	}
}

package bpfcache

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/seccomp"
)

func testProfile(errno uint) *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Flags:         []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_LOG"},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &errno},
		},
	}
}

// entry is the one cache file in dir.
func entry(t *testing.T, dir string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.bpf"))
	if len(m) != 1 {
		t.Fatalf("cache holds %v, want one program", m)
	}
	return m[0]
}

func TestCompileCached(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	want, err := seccomp.Compile(testProfile(1))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // a miss that stores, then a hit
		got, err := Compile(testProfile(1), dir)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.BPF, want.BPF) || got.Flags != want.Flags || got.Notify != want.Notify {
			t.Fatalf("run %d: cached program differs from the compiled one", i)
		}
	}
	path := entry(t, dir)
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v, want 0700", st.Mode().Perm())
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, want 0600", st.Mode().Perm())
	}

	// Another profile is another entry, never the first one's program.
	other, err := Compile(testProfile(2), dir)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other.BPF, want.BPF) {
		t.Fatal("a different profile got the same program")
	}
	m, _ := filepath.Glob(filepath.Join(dir, "*.bpf"))
	if len(m) != 2 {
		t.Fatalf("cache holds %d programs, want 2", len(m))
	}
	for _, p := range m {
		if p != path {
			os.Remove(p)
		}
	}
}

func TestCompileCachedRefusesTampering(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	want, err := Compile(testProfile(1), dir)
	if err != nil {
		t.Fatal(err)
	}
	path := entry(t, dir)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// An allow-all program for the profile, as an attacker would write it.
	allowAll, err := seccomp.Compile(&specs.LinuxSeccomp{DefaultAction: specs.ActAllow})
	if err != nil {
		t.Fatal(err)
	}
	sum := good[len(cacheMagic) : len(cacheMagic)+32]
	write := func(path string, b []byte) {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, tamper := range map[string]func(){
		"flipped byte": func() {
			b := bytes.Clone(good)
			b[len(b)-3] ^= 0xff
			write(path, b)
		},
		"truncated": func() { write(path, good[:len(good)-8]) },
		"other program, old hash": func() {
			b := append(bytes.Clone(good[:cacheHeader]), allowAll.BPF...)
			copy(b[len(cacheMagic):], sum)
			write(path, b)
		},
		"other profile's entry": func() {
			write(path, encodeCached(allowAll, make([]byte, 32)))
		},
		"group-readable": func() {
			write(path, good)
			if err := os.Chmod(path, 0o640); err != nil {
				t.Fatal(err)
			}
		},
		"symlink": func() {
			os.Remove(path)
			elsewhere := filepath.Join(t.TempDir(), "elsewhere.bpf")
			write(elsewhere, good)
			if err := os.Symlink(elsewhere, path); err != nil {
				t.Fatal(err)
			}
		},
	} {
		tamper()
		got, err := Compile(testProfile(1), dir)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.BPF, want.BPF) || got.Flags != want.Flags {
			t.Fatalf("%s: the tampered entry was used", name)
		}
		if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, good) {
			t.Errorf("%s: the entry was not replaced by a good one", name)
		}
		if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: entry is now %v", name, st.Mode())
		}
	}
}

func TestCompileCachedIgnoresAnOpenDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(testProfile(1), dir); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Fatalf("a 0755 cache dir was used: %v", m)
	}
}

// BenchmarkCompileHit: Docker's default profile, read from the cache.
func BenchmarkCompileHit(b *testing.B) {
	cfg, err := mobyseccomp.GetDefaultProfile(&specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}})
	if err != nil {
		b.Fatal(err)
	}
	dir := filepath.Join(b.TempDir(), "c")
	_, _ = Compile(cfg, dir)
	for b.Loop() {
		_, _ = Compile(cfg, dir)
	}
}

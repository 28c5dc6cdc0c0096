package seccomp

// Docker's default profile (default capabilities) compiled by berth's
// compiler and by libseccomp.

import (
	"testing"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func benchProfile(b *testing.B) *specs.LinuxSeccomp {
	rs := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: dockerCaps[1]}}}
	cfg, err := mobyseccomp.GetDefaultProfile(rs)
	if err != nil {
		b.Fatal(err)
	}
	return cfg
}

func BenchmarkCompileOwn(b *testing.B) {
	cfg := benchProfile(b)
	for b.Loop() {
		_, _ = compileBPF(cfg)
	}
}

func BenchmarkCompileLibseccomp(b *testing.B) {
	cfg := benchProfile(b)
	for b.Loop() {
		_, _ = compileLibseccomp(cfg)
	}
}

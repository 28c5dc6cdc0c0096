package container

import (
	"path/filepath"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/seccomp"
	"github.com/berth-containers/berth/runtime/seccomp/bpfcache"
)

// seccompCacheDir, under the state root, keeps the BPF of the profiles
// compiled so far (see bpfcache.Compile). A leading dot keeps it apart
// from containers' state dirs: List skips it, having no state.json.
const seccompCacheDir = ".seccomp-cache"

func seccompConfig(s *specs.Spec) *specs.LinuxSeccomp {
	if s.Linux == nil {
		return nil
	}
	return s.Linux.Seccomp
}

// compileSeccomp compiles s's linux.seccomp, or reads it from root's cache,
// in the background: the returned func waits for the result. Started
// before the container's process, it overlaps that process's start.
func compileSeccomp(root string, s *specs.Spec) func() (*seccomp.Program, error) {
	cfg := seccompConfig(s)
	if cfg == nil {
		return func() (*seccomp.Program, error) { return nil, nil }
	}
	type result struct {
		p   *seccomp.Program
		err error
	}
	done := make(chan result, 1)
	go func() { p, err := bpfcache.Compile(cfg, filepath.Join(root, seccompCacheDir)); done <- result{p, err} }()
	return sync.OnceValues(func() (*seccomp.Program, error) {
		r := <-done
		return r.p, r.err
	})
}

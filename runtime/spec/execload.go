package spec

import (
	"fmt"
	"os"
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// execView is the part of config.json that exec reads: the container's
// process (exec's defaults and bounds) and the linux settings an exec'd
// process inherits. Decoding only these skips the rest of the spec, whose
// decoders encoding/json would otherwise build on every exec: half the
// time of the whole decode.
type execView struct {
	Process *specs.Process `json:"process,omitempty"`
	Linux   *struct {
		Seccomp      *specs.LinuxSeccomp      `json:"seccomp,omitempty"`
		Personality  *specs.LinuxPersonality  `json:"personality,omitempty"`
		MemoryPolicy *specs.LinuxMemoryPolicy `json:"memoryPolicy,omitempty"`
	} `json:"linux,omitempty"`
}

// LoadForExec reads bundle/config.json as exec needs it: a spec with only
// process and linux's seccomp, personality and memoryPolicy set (nil Linux
// if config.json has none). Errors are Load's.
func LoadForExec(bundle string) (*specs.Spec, error) {
	b, err := os.ReadFile(filepath.Join(bundle, ConfigName))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ConfigName, err)
	}
	var v execView
	if err := unmarshal(b, &v); err != nil {
		return nil, err
	}
	s := &specs.Spec{Process: v.Process}
	if l := v.Linux; l != nil {
		s.Linux = &specs.Linux{Seccomp: l.Seccomp, Personality: l.Personality, MemoryPolicy: l.MemoryPolicy}
	}
	return s, nil
}

package specgen

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/engine/record"
)

// HostConfig.SecurityOpt keeps seccomp options the way dockerd keeps them:
// "seccomp=unconfined", or the profile itself as compact JSON
// ("seccomp={...}"), read from the file at create. The container then
// does not depend on the file afterwards, and inspect shows what it runs
// with, as Docker's does.

// LoadSecurityOpts reads and checks the profile of each seccomp=PATH and
// adds the label=disable that dockerd records for a privileged container.
func LoadSecurityOpts(opts []string, privileged bool) ([]string, error) {
	var out []string
	label := false
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		label = label || k == "label"
		if k == "seccomp" && v != "" && v != "unconfined" && v != "builtin" {
			profile, err := readSeccompProfile(v)
			if err != nil {
				return nil, err
			}
			o = "seccomp=" + profile
		}
		out = append(out, o)
	}
	if privileged && !label {
		out = append(out, "label=disable")
	}
	return out, nil
}

// readSeccompProfile reads a profile in Docker's JSON format (which takes
// the OCI linux.seccomp form too) and returns it compacted.
func readSeccompProfile(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("opening seccomp profile (%s) failed: %w", path, err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, data); err != nil {
		return "", fmt.Errorf("compacting json for seccomp profile (%s) failed: %w", path, err)
	}
	// Convert it once now, so that a profile no container could start
	// with is refused by create rather than by every start.
	probe := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{}}}
	prof, err := seccomp.LoadProfile(b.String(), probe)
	if err != nil {
		return "", fmt.Errorf("seccomp profile %s: %w", path, err)
	}
	if prof == nil || prof.DefaultAction == "" {
		return "", fmt.Errorf("seccomp profile %s: no defaultAction (give one, or use seccomp=unconfined)", path)
	}
	return b.String(), nil
}

// seccompProfile sets linux.seccomp as dockerd does: none for a privileged
// container or seccomp=unconfined, else the given profile or Docker's
// default, converted for this architecture, kernel and the container's
// bounding set (a rule "includes" CAP_SYS_ADMIN only if the container has
// it). So it runs after the capabilities are set. The same capabilities
// give the same linux.seccomp, so the runtime's compile cache serves
// every container but the first.
func seccompProfile(s *specs.Spec, hc record.HostConfig) error {
	s.Linux.Seccomp = nil
	if hc.Privileged {
		return nil
	}
	profile := ""
	for _, o := range hc.SecurityOpt {
		if v, ok := strings.CutPrefix(o, "seccomp="); ok {
			profile = v
		}
	}
	var err error
	switch profile {
	case "unconfined":
		return nil
	case "", "builtin":
		s.Linux.Seccomp, err = seccomp.GetDefaultProfile(s)
	default:
		s.Linux.Seccomp, err = seccomp.LoadProfile(profile, s)
	}
	if err != nil {
		return fmt.Errorf("seccomp profile: %w", err)
	}
	return nil
}

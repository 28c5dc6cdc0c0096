// Package execspec builds the process of `exec` from the container's
// own: the command line's changes applied as runc applies them (Apply),
// then bounded by what the container was given (Bound), and the exec
// --cgroup values read (ParseCgroups) and applied (SubCgroupPaths). It is
// pure: it reads specs and flags and touches nothing, but for checking
// that the sub-cgroups exist.
package execspec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/cgroups"
)

// Flags are exec's command-line changes to the container's own process.
type Flags struct {
	Args           []string
	Env            []string
	Cwd            string
	User           string // "uid[:gid]", numeric as in runc
	AdditionalGids []uint32
	Caps           []string
	NoNewPrivs     bool
	Terminal       bool
	Apparmor       string
	ProcessLabel   string
}

// Apply builds the process for `exec [flags] ID CMD...` as runc does: a
// copy of the container's process base with the flags applied. base is
// not changed.
func Apply(base *specs.Process, f Flags) (*specs.Process, error) {
	if base == nil {
		return nil, errors.New("config.json: process is required")
	}
	p := *base
	p.Args = f.Args
	p.Env = append(slices.Clip(p.Env), f.Env...)
	p.Terminal = f.Terminal
	p.ConsoleSize = nil
	if f.Cwd != "" {
		p.Cwd = f.Cwd
	}
	if f.Apparmor != "" {
		p.ApparmorProfile = f.Apparmor
	}
	if f.ProcessLabel != "" {
		p.SelinuxLabel = f.ProcessLabel
	}
	if f.NoNewPrivs {
		p.NoNewPrivileges = true
	}
	if f.User != "" {
		uid, gid, err := parseUIDGID(f.User)
		if err != nil {
			return nil, err
		}
		p.User.UID, p.User.GID = uid, gid
	}
	p.User.AdditionalGids = append(slices.Clip(p.User.AdditionalGids), f.AdditionalGids...)
	if len(f.Caps) > 0 {
		// Inheritable and ambient stay as configured (CVE-2022-29162: a
		// capability there survives exec into any program).
		var cs specs.LinuxCapabilities
		if p.Capabilities != nil {
			cs = *p.Capabilities
		}
		for _, name := range f.Caps {
			name = capName(name)
			cs.Bounding = appendNew(cs.Bounding, name)
			cs.Effective = appendNew(cs.Effective, name)
			cs.Permitted = appendNew(cs.Permitted, name)
			// As runc: ambient too when the spec has inheritable
			// capabilities (ambient needs inheritable to be raised).
			if len(cs.Inheritable) > 0 {
				cs.Ambient = appendNew(cs.Ambient, name)
			}
		}
		p.Capabilities = &cs
	}
	return &p, nil
}

// capName is a --cap name in the spec's form: upper case, CAP_ prefixed.
func capName(name string) string {
	name = strings.ToUpper(name)
	if !strings.HasPrefix(name, "CAP_") {
		name = "CAP_" + name
	}
	return name
}

func appendNew(list []string, name string) []string {
	if slices.Contains(list, name) {
		return list
	}
	return append(slices.Clip(list), name)
}

// parseUIDGID reads --user's "uid[:gid]".
func parseUIDGID(s string) (uint32, uint32, error) {
	us, gs, hasGID := strings.Cut(s, ":")
	uid, err := strconv.ParseUint(us, 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("--user %q: want a numeric uid[:gid]", s)
	}
	gid := uint64(0)
	if hasGID {
		if gid, err = strconv.ParseUint(gs, 10, 32); err != nil {
			return 0, 0, fmt.Errorf("--user %q: want a numeric uid[:gid]", s)
		}
	}
	return uint32(uid), uint32(gid), nil
}

// Bound keeps an exec'd process within what the container itself
// was given: never a capability outside its bounding set, no_new_privs if
// the container has it, and the container's rlimits unless the process
// sets its own.
func Bound(p *specs.Process, s *specs.Spec, added []string) error {
	if len(p.Args) == 0 {
		return errors.New("exec: process args must not be empty")
	}
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	if !path.IsAbs(p.Cwd) {
		return fmt.Errorf("exec: cwd %q must be an absolute path", p.Cwd)
	}
	cp := s.Process
	if cp == nil {
		cp = &specs.Process{}
	}
	var bounding []string
	if cp.Capabilities != nil {
		bounding = cp.Capabilities.Bounding
	}
	for _, name := range added {
		bounding = append(slices.Clip(bounding), capName(name))
	}
	if c := p.Capabilities; c != nil {
		for _, set := range [][]string{c.Bounding, c.Effective, c.Permitted, c.Inheritable, c.Ambient} {
			for _, name := range set {
				if !slices.Contains(bounding, name) {
					return fmt.Errorf("exec: capability %s is not in the bounding set of the container", name)
				}
			}
		}
	}
	p.NoNewPrivileges = p.NoNewPrivileges || cp.NoNewPrivileges
	if len(p.Rlimits) == 0 {
		p.Rlimits = cp.Rlimits
	}
	if p.ApparmorProfile == "" {
		p.ApparmorProfile = cp.ApparmorProfile
	}
	if p.SelinuxLabel == "" {
		p.SelinuxLabel = cp.SelinuxLabel
	}
	return nil
}

// ParseCgroups reads exec --cgroup values as runc does: "path" puts the
// process in that sub-cgroup of the container's cgroup in every hierarchy,
// "controller[,controller...]:path" only in those controllers' ones. The
// result maps a controller ("" for all) to its path.
func ParseCgroups(values []string) (map[string]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, v := range values {
		ctrls, path, ok := strings.Cut(v, ":")
		if !ok {
			ctrls, path = "", v
		}
		if path == "" {
			return nil, fmt.Errorf("exec --cgroup %q: empty path", v)
		}
		for _, c := range strings.Split(ctrls, ",") {
			if _, dup := out[c]; dup {
				return nil, fmt.Errorf("exec --cgroup %q: controller %q given twice", v, c)
			}
			out[c] = path
		}
	}
	return out, nil
}

// SubCgroupPaths are the container's cgroup paths with subs (ParseCgroups')
// applied: each hierarchy's directory moves down to the sub-cgroup named
// for one of its controllers, or for all. A sub-cgroup must exist (runc
// does not create them) and lie within the container's cgroup, and every
// controller named must be a hierarchy of the container. The errors carry
// runc's words ("bad sub cgroup path", "adding pid", "unknown controller"),
// which its tests match.
func SubCgroupPaths(paths, subs map[string]string) (map[string]string, error) {
	if len(subs) == 0 {
		return paths, nil
	}
	_, v2 := paths[cgroups.Unified]
	if v2 && len(paths) == 1 && (len(subs) > 1 || subs[""] == "") {
		return nil, errors.New("exec --cgroup: cgroup v2 has one hierarchy, give a path without controllers")
	}
	out := make(map[string]string, len(paths))
	used := map[string]bool{}
	for key, dir := range paths {
		sub, ok := subs[""]
		for _, c := range strings.Split(key, ",") {
			if s, named := subs[c]; named && key != cgroups.Unified {
				sub, ok = s, true
				used[c] = true
			}
		}
		if ok {
			sdir := filepath.Join(dir, sub)
			if sdir != dir && !strings.HasPrefix(sdir, dir+"/") {
				return nil, fmt.Errorf("exec --cgroup: bad sub cgroup path: %s is outside the container's cgroup", sub)
			}
			fi, err := os.Stat(sdir)
			if err == nil && !fi.IsDir() {
				err = &fs.PathError{Op: "stat", Path: sdir, Err: unix.ENOTDIR}
			}
			if err != nil {
				return nil, fmt.Errorf("exec --cgroup: error adding pid to sub-cgroup: %w", err)
			}
			dir = sdir
		}
		out[key] = dir
	}
	for c := range subs {
		if c != "" && !used[c] {
			return nil, fmt.Errorf("exec --cgroup: unknown controller %s: the container has no cgroup hierarchy of it", c)
		}
	}
	return out, nil
}

package cgroups

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/berth-containers/berth/internal/usercgroup"
	nested "github.com/berth-containers/berth/internal/userns"
)

// unprivileged: the caller owns no part of the cgroup tree but what is
// delegated to it: a user other than root, or root of a user namespace
// (rootless berth's store), whose host uid is the user's.
func unprivileged() bool { return os.Geteuid() != 0 || nested.Inside() }

// defaultPath is the cgroup of container id when the spec names none:
// /<id>, as runc, except for an unprivileged caller with a delegated
// subtree, whose containers go right under it (<delegation>/berth-<id>),
// where they can have limits. Without a delegation such a caller gets
// /<id>, which it cannot make: the container then runs in the caller's
// own cgroup, if it asks for no limits (runtime/userns.IgnoreCgroupError);
// a limit is refused by Set, saying why.
func defaultPath(id string) string {
	if unprivileged() {
		if d, err := usercgroup.Find(); err == nil {
			return d.ContainerPath(id)
		}
	}
	return "/" + id
}

// v2Name is a controller's cgroup v2 name.
func v2Name(c string) string {
	switch c {
	case ctrlBlkio:
		return "io"
	case ctrlCpuacct:
		return ctrlCPU
	}
	return c
}

// missing is Set's error for a resource whose controller the container's
// cgroup lacks: one line with what to do about it.
func (m *Manager) missing(c string) error {
	if _, v2 := m.paths[Unified]; c == ctrlUnified && len(m.paths) > 0 && !(v2 && len(m.paths) == 1) {
		// runc's words, which its callers match.
		return fmt.Errorf("linux.resources.unified: invalid configuration: cannot use unified on cgroup v1 (this host is %s): set the limits through the other linux.resources fields", m.layoutName())
	}
	if !unprivileged() {
		return fmt.Errorf("linux.resources: the %s cgroup controller is not available on this host (%s): remove the setting or enable the controller", c, m.layoutName())
	}
	name := v2Name(c)
	if len(m.paths) == 0 {
		why := "this user may not make cgroups"
		var nd *usercgroup.NotDelegated
		if _, err := usercgroup.Find(); errors.As(err, &nd) {
			why = nd.Why
		}
		return fmt.Errorf("linux.resources: a %s limit needs a cgroup, and a rootless container has none here (no cgroup v2 subtree is delegated to this user: %s); on a cgroup v2 host, %s, or run without the limit", name, why, usercgroup.FixHint)
	}
	dir := m.paths[Unified]
	if d, err := usercgroup.Find(); err == nil {
		return fmt.Errorf("linux.resources: the %s controller is not delegated to this user (%s/cgroup.controllers has %q): %s, or run without the limit",
			name, d.Dir, strings.Join(d.Controllers, " "), usercgroup.FixHint)
	}
	return fmt.Errorf("linux.resources: the %s controller is not enabled for the container's cgroup %s, and this user may not enable it: %s, or run without the limit", name, dir, usercgroup.FixHint)
}

// Package usercgroup finds the cgroup v2 subtree delegated to the calling
// user, where a rootless container's cgroup can go and get limits.
//
// systemd delegates user@UID.service to its user (Delegate=yes): it chowns
// the directory and its cgroup.procs, cgroup.subtree_control and
// cgroup.threads to the user, and its cgroup.controllers lists what the
// user may enable below it (Delegate= may name fewer controllers). The
// user's processes live in cgroups below it (init.scope, app.slice/...).
// So the delegation is the highest cgroup on the way up from the caller's
// own that the caller can write; a container's cgroup made right under it
// is beside the user's own processes, never inside a cgroup that has
// processes of its own (where v2 allows no controllers for children).
//
// It is shared by the runtime (a rootless berth-runtime) and the engine's
// rootless mode, so it leans on nothing but the kernel's files.
package usercgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Root is where the unified hierarchy is mounted on a pure v2 host.
const Root = "/sys/fs/cgroup"

// Delegation is a cgroup the caller may make children in and enable the
// Controllers for.
type Delegation struct {
	Path        string   // its cgroup path, "/user.slice/user-1000.slice/user@1000.service"
	Dir         string   // its directory, Root+Path
	Controllers []string // its cgroup.controllers: what its children can have
}

// Has tells whether controller (v2 name: "cpu", "memory", "io") is delegated.
func (d *Delegation) Has(controller string) bool {
	for _, c := range d.Controllers {
		if c == controller {
			return true
		}
	}
	return false
}

// ContainerPath is the cgroup path of container id's cgroup under d.
func (d *Delegation) ContainerPath(id string) string {
	return filepath.Join(d.Path, "berth-"+id)
}

// NotDelegated is Find's error: there is no delegation, and Why.
type NotDelegated struct{ Why string }

func (e *NotDelegated) Error() string {
	return "no cgroup v2 subtree is delegated to this user: " + e.Why
}

func none(format string, args ...any) error {
	return &NotDelegated{Why: fmt.Sprintf(format, args...)}
}

// Find looks for the delegation from the caller's own cgroup. The error,
// a *NotDelegated, says why there is none: not a pure v2 host (a hybrid
// one binds the controllers to v1), or no cgroup the user can write.
func Find() (*Delegation, error) {
	return find(Root, "/proc/self/cgroup")
}

func find(root, selfCgroup string) (*Delegation, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(root, &st); err != nil {
		return nil, none("statfs %s: %v", root, err)
	}
	if st.Type != unix.CGROUP2_SUPER_MAGIC {
		return nil, none("%s is not cgroup v2 alone (the host's controllers are bound to cgroup v1 hierarchies)", root)
	}
	own, err := ownPath(selfCgroup)
	if err != nil {
		return nil, none("%v", err)
	}
	p, ok := highestWritable(own, func(p string) bool { return writable(filepath.Join(root, p)) })
	if !ok {
		// A login session's scope (ssh, a console) is root's, beside the
		// user's delegated service rather than under it, and moving a
		// process across needs their common parent, which is root's too.
		uid := hostUID()
		svc := fmt.Sprintf("/user.slice/user-%d.slice/user@%d.service", uid, uid)
		if writable(filepath.Join(root, svc)) {
			return nil, none("its cgroup %s is outside %s, which systemd delegates to it: start berth inside that (systemd-run --user --scope berth ...)", own, svc)
		}
		return nil, none("it cannot write its own cgroup %s", filepath.Join(root, own))
	}
	dir := filepath.Join(root, p)
	ctrls, err := os.ReadFile(filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return nil, none("%v", err)
	}
	return &Delegation{Path: p, Dir: dir, Controllers: strings.Fields(string(ctrls))}, nil
}

// highestWritable walks up from own while writable says yes, and returns
// the last cgroup path it said yes to.
func highestWritable(own string, writable func(string) bool) (string, bool) {
	best, ok := "", false
	for p := own; writable(p); p = filepath.Dir(p) {
		best, ok = p, true
		if p == "/" {
			break
		}
	}
	return best, ok
}

// ownPath reads the caller's cgroup v2 path ("0::/path").
func ownPath(selfCgroup string) (string, error) {
	data, err := os.ReadFile(selfCgroup)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return filepath.Clean("/" + p), nil
		}
	}
	return "", fmt.Errorf("%s has no cgroup v2 line", selfCgroup)
}

// hostUID is the caller's uid on the host, through its user namespace's
// uid_map (rootless berth's store namespace makes the user 0).
func hostUID() int {
	uid := os.Getuid()
	data, err := os.ReadFile("/proc/self/uid_map")
	if err != nil {
		return uid
	}
	for _, line := range strings.Split(string(data), "\n") {
		var in, out, n int
		if _, err := fmt.Sscan(line, &in, &out, &n); err == nil && uid >= in && uid < in+n {
			return out + uid - in
		}
	}
	return uid
}

// writable: the caller can make children in dir, move processes through
// it and enable controllers for them, as a delegation allows.
func writable(dir string) bool {
	for _, p := range []string{dir, filepath.Join(dir, "cgroup.procs"), filepath.Join(dir, "cgroup.subtree_control")} {
		if unix.Access(p, unix.W_OK) != nil {
			return false
		}
	}
	return true
}

// FixHint is the one way to get a controller delegated, for errors.
const FixHint = "delegate it with systemd (Delegate=cpu cpuset io memory pids in /etc/systemd/system/user@.service.d/delegate.conf, then log in again)"

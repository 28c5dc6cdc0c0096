package rootfs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/fds"
	"github.com/berth-containers/berth/internal/ktrace"
	"github.com/berth-containers/berth/runtime/idmap"
	"github.com/berth-containers/berth/runtime/mountopt"
)

// entry is one spec mount being made.
type entry struct {
	idx  int
	typ  string // "bind" for binds whatever the spec's type says
	src  string
	dst  string // cleaned destination, container path
	opts mountopt.Options
	// idmap is set for an id-mapped bind (see runtime/idmap).
	idmap *idmap.FDs
}

func (e *entry) errorf(op string, err error) error {
	return fmt.Errorf("%s %s on %s (mounts[%d]): %w", op, e.src, e.dst, e.idx, err)
}

func (s *setup) mount(i int, m *specs.Mount) error {
	opts, err := mountopt.Parse(m.Options)
	if err != nil {
		return fmt.Errorf("mount %s (mounts[%d]): %w", m.Destination, i, err)
	}
	e := &entry{idx: i, typ: m.Type, src: m.Source, dst: filepath.Clean(m.Destination), opts: opts}
	if idmap.Wanted(m, opts) {
		fds, ok := s.c.IDMap[i]
		if !ok {
			return fmt.Errorf("mount %s (mounts[%d]): id-mapped mount: no user namespace prepared for it (runtime/idmap.Prepare)", m.Destination, i)
		}
		e.idmap = &fds
	}
	if m.Type == "bind" {
		e.opts.Flags |= unix.MS_BIND
	}
	if e.opts.IsBind() {
		e.typ = "bind"
		if !filepath.IsAbs(e.src) {
			e.src = filepath.Join(s.c.Bundle, e.src)
		}
		return s.mountBind(e)
	}
	if e.src == "" {
		e.src = e.typ
	}
	switch e.typ {
	case "":
		return fmt.Errorf("mount %s (mounts[%d]): no type and not a bind mount", e.dst, i)
	case "cgroup":
		return s.mountCgroup(e)
	}
	return s.mountFS(e)
}

// mountBind clones the source tree, sets its flags while it is still
// detached (so it is never visible writable when it should not be), then
// attaches it to the destination handle.
func (s *setup) mountBind(e *entry) error {
	tree, err := s.bindTree(e)
	if err != nil {
		return err
	}
	defer unix.Close(tree)
	var st unix.Stat_t
	if err := unix.Fstat(tree, &st); err != nil {
		return e.errorf("bind", err)
	}
	var dst int
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		dst, err = s.root.mkdirAll(e.dst, 0o755)
	} else {
		dst, err = s.root.mkfileAll(e.dst, 0o644)
	}
	if err != nil {
		return e.errorf("bind", err)
	}
	defer unix.Close(dst)
	if err := s.checkProcDest(e, dst, tree); err != nil {
		return err
	}
	if mountopt.NeedsBindAttr(e.opts) {
		if err := setBindAttr(tree, e.opts); err != nil {
			return e.errorf("set flags of bind", err)
		}
	}
	if a := e.opts.RecAttr; a != nil {
		if err := setattr(tree, true, a); err != nil {
			return e.errorf("set recursive flags of bind", err)
		}
	}
	if err := moveMount(tree, dst); err != nil {
		return e.errorf("bind", err)
	}
	traceMoveMount("tree", s.target(e))
	return applyPropagation(e, tree)
}

// bindTree clones the bind's source as a detached tree, id-mapped if
// asked: by this process, or by the runtime for one in a user namespace.
func (s *setup) bindTree(e *entry) (int, error) {
	flags := uint(unix.OPEN_TREE_CLONE | unix.OPEN_TREE_CLOEXEC)
	if e.opts.Flags&unix.MS_REC != 0 {
		flags |= unix.AT_RECURSIVE
	}
	tree, err := unix.OpenTree(unix.AT_FDCWD, e.src, flags)
	if fds, ok := s.c.IDMap[e.idx]; errors.Is(err, unix.EACCES) && ok && fds.Sock >= 0 {
		// In a user namespace, a dir on the way may be closed to us: the
		// runtime opens the source for us, in this mount namespace.
		if tree, err = idmap.OpenRemote(fds.Sock, e.idx); err != nil {
			return -1, err
		}
		ktrace.F("open_tree(AT_FDCWD, %q, %s) = tree, by the runtime", e.src, ktrace.Names(uint64(flags), ktrace.OpenTreeFlags))
	} else if err != nil {
		return -1, e.errorf("bind", err)
	} else {
		ktrace.F("open_tree(AT_FDCWD, %q, %s) = tree", e.src, ktrace.Names(uint64(flags), ktrace.OpenTreeFlags))
	}
	if e.idmap == nil {
		return tree, nil
	}
	if e.idmap.Sock >= 0 {
		err = idmap.MapRemote(e.idmap.Sock, e.idx, tree)
	} else if err = idmap.Map(tree, e.src, e.opts.IDMapRecursive, e.idmap.Userns); err != nil {
		err = fmt.Errorf("mount on %s (mounts[%d]): %w", e.dst, e.idx, err)
	}
	if err != nil {
		unix.Close(tree)
		return -1, err
	}
	ktrace.F("mount_setattr(tree, \"\", AT_EMPTY_PATH, {attr_set=MOUNT_ATTR_IDMAP, userns_fd=%d})", e.idmap.Userns)
	return tree, nil
}

// setBindAttr does runc's bind remount with mount_setattr. When a user
// namespace refuses to clear a flag it locked (EPERM), it is tried again
// with the locked flags of the source kept, unless the options explicitly
// clear one of them or ask for another access-time setting
// (mountopt.LockedRetry): then the mount fails rather than differ from
// what was asked.
func setBindAttr(tree int, o mountopt.Options) error {
	attr := mountopt.BindAttr(o.Flags)
	err := setattr(tree, false, &attr)
	if !errors.Is(err, unix.EPERM) {
		if err == nil {
			traceSetattr("tree", false, &attr)
		}
		return err
	}
	var sf unix.Statfs_t
	if err := unix.Fstatfs(tree, &sf); err != nil {
		return err
	}
	flags, rerr := mountopt.LockedRetry(o, mountopt.StatfsFlags(sf.Flags))
	if rerr != nil {
		return fmt.Errorf("%w: %w", rerr, err)
	}
	attr = mountopt.BindAttr(flags)
	if err := setattr(tree, false, &attr); err != nil {
		return fmt.Errorf("with locked flags %s kept: %w", mountopt.FlagNames(flags&mountopt.LockFlags), err)
	}
	traceSetattr("tree", false, &attr)
	return nil
}

func applyPropagation(e *entry, fd int) error {
	for _, p := range e.opts.Propagation {
		if err := setPropagation(fd, p); err != nil {
			return e.errorf("make "+mountopt.PropagationName(p)+" mount", err)
		}
	}
	return nil
}

// mountFS mounts a new filesystem instance (proc, sysfs, tmpfs, devpts,
// mqueue, ...) with mount(2) through the destination's handle.
func (s *setup) mountFS(e *entry) error {
	if err := s.checkOrdinaryDir(e); err != nil {
		return err
	}
	existed := false
	if e.typ == "tmpfs" {
		if fd, err := s.root.open(e.dst, unix.O_PATH|unix.O_DIRECTORY); err == nil {
			existed = true
			unix.Close(fd)
		}
	}
	dst, err := s.root.mkdirAll(e.dst, 0o755)
	if err != nil {
		return e.errorf("mount "+e.typ, err)
	}
	defer unix.Close(dst)
	if err := s.checkProcDest(e, dst, -1); err != nil {
		return err
	}
	if e.opts.CopyUp && e.typ != "tmpfs" {
		return fmt.Errorf("mount %s on %s (mounts[%d]): tmpcopyup needs a tmpfs", e.typ, e.dst, e.idx)
	}
	flags, data := e.opts.Flags, e.opts.Data
	if e.typ == "tmpfs" && existed {
		// Like runc, a tmpfs keeps the mode of the directory it covers
		// unless the options say mode=. On a directory made for it, it
		// keeps tmpfs's own 1777, as runc's (and so Docker's --tmpfs).
		var st unix.Stat_t
		if err := unix.Fstat(dst, &st); err != nil {
			return e.errorf("mount tmpfs", err)
		}
		data = joinData(fmt.Sprintf("mode=%04o", st.Mode&0o7777), data)
	}
	if e.dst == "/dev" {
		// Device nodes are created after this; Finalize makes it ro.
		flags &^= unix.MS_RDONLY
	}
	if e.opts.CopyUp {
		if err := s.tmpfsCopyUp(e, dst, flags, data); err != nil {
			return err
		}
		return s.afterMount(e)
	}
	if e.typ == "proc" && s.c.ProcFS > 0 {
		err = mountContext(s.c.ProcFS, dst, e.src, flags, data)
		if err == nil && ktrace.On() {
			ktrace.F("fsconfig(proc, FSCONFIG_SET_STRING, \"source\", %q), fsconfig(FSCONFIG_CMD_CREATE), fsmount(%s)", e.src,
				ktrace.Names(uint64(flags), ktrace.MountFlags))
			traceMoveMount("proc", s.target(e))
		}
	} else {
		err = unix.Mount(e.src, fds.Path(dst), e.typ, flags, data)
		if err == nil {
			traceMount(e.src, s.target(e), e.typ, flags, data)
		}
	}
	if errors.Is(err, unix.EPERM) && e.typ == "sysfs" {
		// A user namespace without its own network namespace may not
		// mount sysfs: runc binds the host's instead.
		return s.sysfsFallback(e)
	}
	if err != nil {
		return fmt.Errorf("mount %s on %s (mounts[%d]): %w", e.typ, e.dst, e.idx, err)
	}
	return s.afterMount(e)
}

// afterMount checks proc and sysfs really landed where asked and applies
// propagation and recursive attributes, which need a handle on the new
// mount rather than on the directory under it.
func (s *setup) afterMount(e *entry) error {
	magic := map[string]int64{"proc": unix.PROC_SUPER_MAGIC, "sysfs": unix.SYSFS_MAGIC}[e.typ]
	if magic == 0 && len(e.opts.Propagation) == 0 && e.opts.RecAttr == nil {
		return nil
	}
	fd, err := s.root.open(e.dst, unix.O_PATH|unix.O_DIRECTORY)
	if err != nil {
		return e.errorf("reopen "+e.typ, err)
	}
	defer unix.Close(fd)
	if magic != 0 {
		var sf unix.Statfs_t
		if err := unix.Fstatfs(fd, &sf); err != nil {
			return e.errorf("statfs "+e.typ, err)
		}
		if sf.Type != magic {
			return fmt.Errorf("mount %s on %s (mounts[%d]): found filesystem %#x there after mounting, refusing", e.typ, e.dst, e.idx, sf.Type)
		}
	}
	if a := e.opts.RecAttr; a != nil {
		if err := setattr(fd, true, a); err != nil {
			return e.errorf("set recursive flags of "+e.typ, err)
		}
		traceSetattr(e.dst, true, a)
	}
	return applyPropagation(e, fd)
}

func (s *setup) sysfsFallback(e *entry) error {
	b := *e
	b.typ, b.src = "bind", "/sys"
	b.opts.Flags |= unix.MS_BIND | unix.MS_REC
	return s.mountBind(&b)
}

// checkOrdinaryDir refuses a proc or sysfs destination that exists in
// the rootfs as anything but a directory, as runc does (and in its
// words, which clients match). A symlink there would be followed, inside
// the root, to wherever the image points it: a procfs or sysfs mounted
// at a place the spec never named, and masks and read-only paths applied
// to a /proc or /sys that is not the mounted one.
func (s *setup) checkOrdinaryDir(e *entry) error {
	if e.typ != "proc" && e.typ != "sysfs" {
		return nil
	}
	fd, err := s.root.open(e.dst, unix.O_PATH|unix.O_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return e.errorf("check destination of", err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return e.errorf("check destination of", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("mount %s on %s (mounts[%d]): filesystem %q must be mounted on ordinary directory", e.typ, e.dst, e.idx, e.typ)
	}
	return nil
}

// procMountsAllowed are the files under /proc that may be covered, for
// LXCFS-style emulation (runc's list).
var procMountsAllowed = map[string]bool{
	"/proc/cpuinfo":                 true,
	"/proc/diskstats":               true,
	"/proc/meminfo":                 true,
	"/proc/stat":                    true,
	"/proc/swaps":                   true,
	"/proc/uptime":                  true,
	"/proc/loadavg":                 true,
	"/proc/slabinfo":                true,
	"/proc/sys/kernel/ns_last_pid":  true,
	"/proc/sys/crypto/fips_enabled": true,
}

// checkProcDest refuses mounts over the container's /proc, except a procfs
// (or a bind of one) on /proc itself and the allowed files. The check uses
// where the destination really resolved, not the spec's path, so a symlink
// cannot dodge it. src is the bind source tree, -1 for a new filesystem.
func (s *setup) checkProcDest(e *entry, dst, src int) error {
	host, err := hostPath(dst)
	if err != nil {
		return e.errorf("check destination of", err)
	}
	rel, err := filepath.Rel(filepath.Join(s.c.Rootfs, "proc"), host)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return nil
	}
	if rel == "." {
		if src < 0 && e.typ == "proc" {
			return nil
		}
		var sf unix.Statfs_t
		if src >= 0 && unix.Fstatfs(src, &sf) == nil && sf.Type == unix.PROC_SUPER_MAGIC {
			return nil
		}
		return fmt.Errorf("mount %s on %s (mounts[%d]): /proc may only get a procfs", e.src, e.dst, e.idx)
	}
	if procMountsAllowed["/proc/"+rel] {
		return nil
	}
	return fmt.Errorf("mount %s on %s (mounts[%d]): destination is inside /proc", e.src, e.dst, e.idx)
}

func joinData(a, b string) string {
	if a == "" {
		return b
	}
	if b == "" {
		return a
	}
	return a + "," + b
}

// mountContext mounts the filesystem of an fsopen context on dst, with the
// source, MS_* flags and data string mount(2) would have taken.
func mountContext(fs, dst int, src string, flags uintptr, data string) error {
	if src != "" {
		if err := unix.FsconfigSetString(fs, "source", src); err != nil {
			return fmt.Errorf("source %q: %w", src, err)
		}
	}
	for _, o := range strings.Split(data, ",") {
		if o == "" {
			continue
		}
		var err error
		if k, v, ok := strings.Cut(o, "="); ok {
			err = unix.FsconfigSetString(fs, k, v)
		} else {
			err = unix.FsconfigSetFlag(fs, o)
		}
		if err != nil {
			return fmt.Errorf("option %q: %w", o, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return err
	}
	var attr int
	for ms, ma := range map[uintptr]int{unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY, unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
		unix.MS_NODEV: unix.MOUNT_ATTR_NODEV, unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC, unix.MS_NOATIME: unix.MOUNT_ATTR_NOATIME,
		unix.MS_STRICTATIME: unix.MOUNT_ATTR_STRICTATIME, unix.MS_NODIRATIME: unix.MOUNT_ATTR_NODIRATIME} {
		if flags&ms != 0 {
			attr |= ma
		}
	}
	m, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, attr)
	if err != nil {
		return err
	}
	defer unix.Close(m)
	return moveMount(m, dst)
}

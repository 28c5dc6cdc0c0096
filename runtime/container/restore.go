package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/phases"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/criu"
	"github.com/berth-containers/berth/runtime/criu/rpc"
	"github.com/berth-containers/berth/runtime/hooks"
	"github.com/berth-containers/berth/runtime/spec"
)

// RestoreOptions are restore's flags.
type RestoreOptions struct {
	Bundle        string
	ConsoleSocket string
	PidFile       string
	CRIU          criu.Options
	// Stdin, Stdout and Stderr are criu's, nil meaning the caller's own:
	// the restored tasks' pipes on stdio (descriptors.json) become these.
	Stdin, Stdout, Stderr *os.File
}

// Restore brings container id back from a checkpoint's images, in the
// bundle's rootfs and a new cgroup, with the same processes (and pids in
// its pid namespace). The restored init is a child of the caller. On
// error nothing is left: no state directory, cgroup or process.
func Restore(root, id string, opts RestoreOptions) (c *Container, err error) {
	if err := ValidateID(id); err != nil {
		return nil, err
	}
	r, err := newRestorer(root, id, opts)
	if err != nil {
		return nil, fmt.Errorf("restore container %s: %w", id, err)
	}
	defer r.imgs.Close()
	if err := statedir.MkdirAll(root, statedir.Mode); err != nil {
		return nil, fmt.Errorf("create state root %s: %w", root, err)
	}
	if err := os.Mkdir(r.dir, 0o711); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("%w: %s", ErrExist, id)
		}
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, r.undo())
		}
	}()
	if err := r.restore(); err != nil {
		return nil, fmt.Errorf("restore container %s: %w", id, err)
	}
	return &Container{root: root, dir: r.dir, state: r.state}, nil
}

// restorer holds what a restore made so far, to undo it on failure.
type restorer struct {
	builder // id, dirs, spec, cgroup, state; no init process of its own
	opts    RestoreOptions
	imgs    *os.File
	fds     []string // descriptors.json
}

func newRestorer(root, id string, opts RestoreOptions) (*restorer, error) {
	if _, err := criu.Binary(); err != nil {
		return nil, err
	}
	bundle, err := filepath.Abs(opts.Bundle)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", opts.Bundle, err)
	}
	raw, err := os.ReadFile(filepath.Join(bundle, spec.ConfigName))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.ConfigName, err)
	}
	s, err := spec.Parse(raw)
	if err != nil {
		return nil, err
	}
	rootfs, err := spec.RootfsPath(s, bundle)
	if err != nil {
		return nil, err
	}
	if s.Process != nil && s.Process.Terminal && opts.ConsoleSocket == "" {
		return nil, errors.New("process.terminal is true: a --console-socket is needed to receive the pty master")
	}
	if _, err := criu.CgroupMode(opts.CRIU.ManageCgroupsMode); err != nil {
		return nil, err
	}
	imgs, err := criu.OpenImageDir(opts.CRIU.ImagePath, false)
	if err != nil {
		return nil, err
	}
	r := &restorer{builder: builder{root: root, id: id, dir: filepath.Join(root, id), bundle: bundle, rootfs: rootfs, spec: s, raw: raw}, opts: opts, imgs: imgs}
	data, err := os.ReadFile(filepath.Join(imgs.Name(), criu.DescriptorsFile))
	if err == nil {
		err = json.Unmarshal(data, &r.fds)
	}
	if err != nil {
		imgs.Close()
		return nil, fmt.Errorf("image dir %s is no checkpoint of a container: %w", imgs.Name(), err)
	}
	return r, nil
}

func (r *restorer) restore() error {
	ph := phases.New("restore")
	lf, err := lock(r.dir)
	if err != nil {
		return err
	}
	defer lf.Close()
	var cgPath string
	if r.spec.Linux != nil {
		cgPath = r.spec.Linux.CgroupsPath
	}
	if r.cg, err = cgroups.NewUnused(cgPath, r.id); err != nil {
		return err
	}
	if err := writeCreating(r.dir, newCgroupPaths(r.cg)); err != nil {
		return err
	}
	if err := r.cg.Create(); err != nil {
		return err
	}
	if err := r.cg.Set(r.resources()); err != nil {
		return fmt.Errorf("apply linux.resources: %w", err)
	}
	ph.Mark("state dir, cgroup")
	work, logDir, err := criu.OpenWorkDir(r.opts.CRIU.WorkPath, r.imgs.Name())
	if err != nil {
		return err
	}
	if work != nil {
		defer work.Close()
	}
	// CRIU wants its root to be a mount point whose parent is not
	// overmounted: a bind of the rootfs in the state dir is.
	croot := filepath.Join(r.dir, "criu-root")
	if err := os.Mkdir(croot, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", croot, err)
	}
	if err := unix.Mount(r.rootfs, croot, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind rootfs %s to %s: %w", r.rootfs, croot, err)
	}
	defer func() { _ = unix.Unmount(croot, unix.MNT_DETACH) }()
	ph.Mark("criu root bind")
	sess, req, err := r.request(work, croot)
	if err != nil {
		return err
	}
	defer closeAll(sess.ExtraFiles)
	ph.Mark("request")
	if _, err := sess.Run(req); err != nil {
		return criu.Failed(err, logDir, "restore.log")
	}
	ph.Mark("criu restore")
	if r.initPid == 0 {
		return errors.New("criu restored no process")
	}
	err = r.finish()
	ph.Mark("state")
	return err
}

func (r *restorer) request(work *os.File, croot string) (*criu.Session, *rpc.CriuReq, error) {
	sess := &criu.Session{Stdin: r.opts.Stdin, Stdout: r.opts.Stdout, Stderr: r.opts.Stderr, Started: r.joinCgroup, Notify: r.notify}
	if sess.Stdin == nil {
		sess.Stdin, sess.Stdout, sess.Stderr = os.Stdin, os.Stdout, os.Stderr
	}
	c := &criu.Container{Spec: r.spec, Bundle: r.bundle, Rootfs: r.rootfs, CgroupBinds: criu.CgroupBinds(r.spec, r.cg.Paths())}
	req, err := criu.RestoreRequest(c, &r.opts.CRIU, r.imgs, work, croot, r.fds, sess)
	if err != nil {
		closeAll(sess.ExtraFiles)
		return nil, nil, err
	}
	return sess, req, nil
}

// joinCgroup moves criu into the container's cgroup before it restores
// anything, and tells it to put the tasks there (CgRoot): the cgroups of
// the dump are mapped onto the new one.
func (r *restorer) joinCgroup(pid int, opts *rpc.CriuOpts) error {
	if err := r.cg.Apply(pid); err != nil {
		return err
	}
	roots, err := criu.CgroupRoots(pid)
	if err != nil {
		return err
	}
	opts.CgRoot = append(opts.CgRoot, roots...)
	return nil
}

func (r *restorer) notify(n criu.Notification) error {
	defer closeAll(n.Files)
	switch n.Script {
	case "setup-namespaces":
		// As runc: the namespaces exist, nothing runs in them yet.
		r.initPid = n.Pid
		h := r.spec.Hooks
		if h == nil {
			return nil
		}
		st := r.ociState(specs.StateCreated)
		//lint:ignore SA1019 prestart is deprecated but still honoured, as runc does
		if err := hooks.Run("prestart", h.Prestart, &st); err != nil {
			return err
		}
		return hooks.Run("createRuntime", h.CreateRuntime, &st)
	case "post-restore":
		r.initPid = n.Pid
	case "orphan-pts-master":
		if len(n.Files) == 0 {
			return errors.New("no pty master came with the message")
		}
		if r.opts.ConsoleSocket == "" {
			return errors.New("the checkpoint has a terminal: restore it with --console-socket")
		}
		return console.SendFD(r.opts.ConsoleSocket, n.Files[0])
	}
	return nil
}

func (r *restorer) finish() error {
	r.state = r.newState()
	if err := saveState(r.dir, r.state); err != nil {
		return err
	}
	if r.opts.PidFile == "" {
		return nil
	}
	path, err := filepath.Abs(r.opts.PidFile)
	if err != nil {
		return fmt.Errorf("pid file %s: %w", r.opts.PidFile, err)
	}
	return atomicfile.WriteFile(path, []byte(strconv.Itoa(r.initPid)), 0o644)
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

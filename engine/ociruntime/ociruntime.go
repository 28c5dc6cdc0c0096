// Package ociruntime drives other OCI runtimes (runc, crun, any binary
// with runc's command line) for the engine: one Container is one
// container such a binary holds, with the same methods as berth's own
// runtime library.
package ociruntime

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/runtime/cgroups"
	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/runtime/container"
	"github.com/berth-containers/berth/runtime/spec"
)

// A container's runtime is berth's own library (the default, "berth") or
// an OCI runtime binary (--runtime runc|crun|PATH) driven through runc's
// command line, with its state under <runroot>/oci/<runtime>:
//
//	engine                                  runtime binary
//	create:  <rt> --root R --log L --log-format json create
//	             --bundle B --pid-file P [--console-socket S] <id>
//	         (the container's stdio is <rt>'s; with -t, the pty master
//	          comes over S and is passed on to runOnce's console socket)
//	start:   <rt> --root R start <id>
//	state:   <rt> --root R state <id>         (pid, status)
//	signal:  <rt> --root R kill [--all] <id> <SIG>
//	delete:  <rt> --root R delete [--force] <id>
//	exec:    <rt> --root R exec --process F --pid-file P --detach
//	             [--tty --console-socket S] <id>
//
// The monitor (or a foreground berth run) is a child subreaper, so the
// container's init, and an exec'd process, become its children once the
// runtime binary exits: it waits for them as for its own runtime's.
// Pause, stats and top use the container's cgroup, which both runtimes
// place at linux.cgroupsPath (/berth/<id>).

// Own is berth's own runtime library: the default, not driven here.
const Own = "berth"

// ociVersionExternal is the ociVersion a bundle says for an external
// runtime: crun 1.8 refuses anything above 1.0.x, runc 1.1 takes it.
const ociVersionExternal = "1.0.2-dev"

// ResolveRuntime checks a --runtime value: berth, runc, crun (found in
// PATH) or the absolute path of an executable.
func ResolveRuntime(name string) (string, error) {
	switch {
	case name == "" || name == Own:
		return Own, nil
	case name == "runc" || name == "crun":
		path, err := exec.LookPath(name)
		if err != nil {
			return "", fmt.Errorf("unknown or invalid runtime name: %s: %w (install it, or give its path)", name, err)
		}
		return path, nil
	case filepath.IsAbs(name):
		st, err := os.Stat(name)
		if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("unknown or invalid runtime name: %s: not an executable file", name)
		}
		return name, nil
	}
	return "", fmt.Errorf("unknown or invalid runtime name: %s (use berth, runc, crun or the path of an OCI runtime)", name)
}

// Container is a container an OCI runtime binary runs.
type Container struct {
	bin, root  string // the binary and its --root
	id, bundle string
	work       string // pid files, logs and console sockets of the engine
	cgroupPath string
	pid        int
}

func (o *Container) logPath() string { return filepath.Join(o.work, "runtime.log") }

// command is the runtime binary with its global flags.
func (o *Container) command(args ...string) *exec.Cmd {
	full := append([]string{"--root", o.root, "--log", o.logPath(), "--log-format", "json"}, args...)
	cmd := exec.Command(o.bin, full...)
	cmd.Dir = "/"
	return cmd
}

// run runs a runtime command that does not touch the container's stdio and
// returns its error with the runtime's own message.
func (o *Container) run(args ...string) ([]byte, error) {
	cmd := o.command(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := runRuntime(o.bin, cmd); err != nil {
		return nil, o.failure(args[0], err, stderr.Bytes())
	}
	return stdout.Bytes(), nil
}

// failure names a failed runtime command by what the runtime said: its
// stderr, or its last error in the log.
func (o *Container) failure(verb string, err error, stderr []byte) error {
	msg := strings.TrimSpace(string(stderr))
	if msg == "" {
		msg = o.lastLogError()
	}
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("OCI runtime %s failed: %s", verb, msg)
}

// lastLogError reads the last error the runtime wrote to its JSON log.
func (o *Container) lastLogError() string {
	f, err := os.Open(o.logPath())
	if err != nil {
		return ""
	}
	defer f.Close()
	last := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var l struct{ Level, Msg string }
		if json.Unmarshal(sc.Bytes(), &l) == nil && (l.Level == "error" || l.Level == "fatal") {
			last = l.Msg
		}
	}
	return last
}

// Create runs <rt> create with the container's stdio as its own (the
// container's init inherits them): its process waits for Start.
func (o *Container) Create(opts container.CreateOptions) (err error) {
	if err := o.pinOCIVersion(); err != nil {
		return err
	}
	os.Remove(o.logPath())
	pidFile := filepath.Join(o.work, "runtime.pid")
	os.Remove(pidFile)
	// The monitor (or foreground run) reaps the init once <rt> exits.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become child subreaper: %w", err)
	}
	args := []string{"create", "--bundle", opts.Bundle, "--pid-file", pidFile}
	var cs *consoleSocket
	if opts.Console != nil {
		if cs, err = o.listenConsole(opts.Console); err != nil {
			return err
		}
		defer cs.close()
		args = append(args, "--console-socket", cs.path)
	}
	cmd := o.command(append(args, o.id)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	// With the container's output as its own, <rt> writes errors there
	// too; the log has them for us.
	if err := runRuntime(o.bin, cmd); err != nil {
		return errors.Join(o.failure("create", err, nil), o.undoCreate())
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, o.undoCreate())
		}
	}()
	if cs != nil {
		if err := cs.wait(); err != nil {
			return err
		}
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return fmt.Errorf("pid file of %s: %w", filepath.Base(o.bin), err)
	}
	if o.pid, err = strconv.Atoi(strings.TrimSpace(string(data))); err != nil {
		return fmt.Errorf("pid file of %s: %w", filepath.Base(o.bin), err)
	}
	return nil
}

// pinOCIVersion rewrites the bundle's ociVersion for external runtimes.
func (o *Container) pinOCIVersion() error {
	s, err := spec.Load(o.bundle)
	if err != nil {
		return err
	}
	if s.Version == ociVersionExternal {
		return nil
	}
	s.Version = ociVersionExternal
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return atomicfile.WriteFileUnsynced(filepath.Join(o.bundle, spec.ConfigName), data, 0o600)
}

// consoleSocket is a --console-socket the engine listens on; its path is
// short, as a unix socket's must be.
type consoleSocket struct {
	path, dir string
	l         *net.UnixListener
	done      chan error
}

// listenConsole listens on a console socket and passes the pty master the
// runtime sends on to to.
func (o *Container) listenConsole(to *os.File) (*consoleSocket, error) {
	dir, err := os.MkdirTemp(filepath.Dir(o.root), "console-")
	if err != nil {
		return nil, err
	}
	cs := &consoleSocket{path: filepath.Join(dir, "sock"), dir: dir, done: make(chan error, 1)}
	if cs.l, err = net.ListenUnix("unix", &net.UnixAddr{Name: cs.path, Net: "unix"}); err == nil {
		if err = statedir.ChmodSocket(unix.AT_FDCWD, cs.path); err != nil {
			cs.l.Close()
		}
	}
	if err != nil {
		return nil, errors.Join(fmt.Errorf("console socket: %w", err), os.RemoveAll(dir))
	}
	go func() { cs.done <- passConsole(cs.l, to) }()
	return cs, nil
}

// wait waits for the pty master to have been passed on.
func (cs *consoleSocket) wait() error {
	select {
	case err := <-cs.done:
		return err
	case <-time.After(5 * time.Second):
		return errors.New("the runtime sent no pty master on its console socket")
	}
}

func (cs *consoleSocket) close() {
	cs.l.Close()
	if err := os.RemoveAll(cs.dir); err != nil {
		slog.Warn("remove console socket", "dir", cs.dir, "error", err)
	}
}

// passConsole receives the pty master the runtime sends and passes it on
// over to (the socket runOnce reads, as berth's own runtime sends it).
func passConsole(l *net.UnixListener, to *os.File) error {
	if err := l.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return fmt.Errorf("console socket: %w", err)
	}
	conn, err := l.AcceptUnix()
	if err != nil {
		return fmt.Errorf("console socket: %w", err)
	}
	defer conn.Close()
	master, err := console.RecvFD(conn)
	if err != nil {
		return err
	}
	defer master.Close()
	fc, err := net.FileConn(to)
	if err != nil {
		return err
	}
	defer fc.Close()
	return console.SendFDConn(fc.(*net.UnixConn), master)
}

type ociState struct {
	Pid    int    `json:"pid"`
	Status string `json:"status"`
}

func (o *Container) state() (ociState, error) {
	var st ociState
	out, err := o.run("state", o.id)
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return st, fmt.Errorf("%s state: %w", filepath.Base(o.bin), err)
	}
	return st, nil
}

func (o *Container) Start() error {
	_, err := o.run("start", o.id)
	return err
}

func (o *Container) Pid() int { return o.pid }

func (o *Container) Signal(sig unix.Signal, all bool) error {
	args := []string{"kill"}
	if all {
		args = append(args, "--all")
	}
	_, err := o.run(append(args, o.id, strconv.Itoa(int(sig)))...)
	return err
}

func (o *Container) Delete(force bool) error {
	args := []string{"delete"}
	if force {
		args = append(args, "--force")
	}
	_, err := o.run(append(args, o.id)...)
	return err
}

func (o *Container) Finish() error { return o.Delete(true) }

// CgroupPaths are where the runtime puts the container: at its cgroups
// path in every hierarchy it sees.
func (o *Container) CgroupPaths() map[string]string {
	cg, err := cgroups.New(o.cgroupPath, o.id)
	if err != nil {
		return nil
	}
	paths := cg.Paths()
	if needsPrivateCgroupMounts(o.bin) {
		delete(paths, cgroups.Unified)
	}
	return paths
}

func (o *Container) Spec() (*specs.Spec, error) { return spec.Load(o.bundle) }

// Exec runs <rt> exec --detach: the process, reparented to the caller (a
// child subreaper), is waited for by it.
func (o *Container) Exec(proc *specs.Process, opts container.ExecOptions) (int, error) {
	dir, err := os.MkdirTemp(o.work, "exec-")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			slog.Warn("remove exec work dir", "dir", dir, "error", err)
		}
	}()
	data, err := json.Marshal(proc)
	if err != nil {
		return 0, err
	}
	procFile, pidFile := filepath.Join(dir, "process.json"), filepath.Join(dir, "pid")
	if err := atomicfile.WriteFileUnsynced(procFile, data, 0o600); err != nil {
		return 0, err
	}
	args := []string{"exec", "--process", procFile, "--pid-file", pidFile, "--detach"}
	var cs *consoleSocket
	if opts.Console != nil {
		if cs, err = o.listenConsole(opts.Console); err != nil {
			return 0, err
		}
		defer cs.close()
		args = append(args, "--tty", "--console-socket", cs.path)
	}
	cmd := o.command(append(args, o.id)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.Stdin, opts.Stdout, opts.Stderr
	if opts.Console != nil {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, nil, nil
	}
	var stderr bytes.Buffer
	if cmd.Stderr == nil {
		cmd.Stderr = &stderr
	}
	if err := runRuntime(o.bin, cmd); err != nil {
		return 0, o.failure("exec", err, stderr.Bytes())
	}
	if cs != nil {
		if err := cs.wait(); err != nil {
			return 0, err
		}
	}
	pid, err := os.ReadFile(pidFile)
	if err != nil {
		return 0, fmt.Errorf("pid file of %s exec: %w", filepath.Base(o.bin), err)
	}
	return strconv.Atoi(strings.TrimSpace(string(pid)))
}

// New is container id of the runtime named name (as --runtime took it):
// its state under stateRoot, its bundle, the engine's work directory for
// pid files, logs and console sockets, and its cgroup path. It creates
// nothing but stateRoot.
func New(name, stateRoot, id, bundle, work, cgroupPath string) (*Container, error) {
	bin, err := ResolveRuntime(name)
	if err != nil {
		return nil, err
	}
	if err := statedir.Ensure(stateRoot, statedir.Mode); err != nil {
		return nil, fmt.Errorf("create state root of runtime %s: %w", name, err)
	}
	return &Container{bin: bin, root: stateRoot, id: id, bundle: bundle, work: work, cgroupPath: cgroupPath}, nil
}

// StateKey names a runtime's state root under <runroot>/oci.
func StateKey(name string) string {
	return strings.ReplaceAll(strings.TrimPrefix(name, "/"), "/", "_")
}

// Load reads the runtime's state of a created or running container.
func (o *Container) Load() error {
	st, err := o.state()
	if err != nil {
		return err
	}
	o.pid = st.Pid
	return nil
}

// Update runs `<runtime> update --resources FILE`, runc's way of taking
// linux.resources as JSON.
func (o *Container) Update(r *specs.LinuxResources) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode resources: %w", err)
	}
	path := filepath.Join(o.work, "update.json")
	if err := atomicfile.WriteFileUnsynced(path, data, 0o600); err != nil {
		return err
	}
	defer os.Remove(path)
	_, err = o.run("update", "--resources", path, o.id)
	return err
}

// undoCreate deletes what a failed create left in the runtime; a
// container it never made is no error.
func (o *Container) undoCreate() error {
	if _, err := o.run("delete", "--force", o.id); err != nil && o.Load() == nil {
		return err
	}
	return nil
}

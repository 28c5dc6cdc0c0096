// Package exec serves /containers/{id}/exec and /exec/{id}/...: the exec
// instances live in memory between create and start, as in Docker's daemon.
package exec

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/moby/moby/api/types/container"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/term"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/console"
)

// An exec instance lives from create to the end of its process in this
// server's memory only, as in Docker's daemon. Its process is a `berth
// exec` child of the server: the engine's Exec reaps every child and
// forwards every signal of the process that calls it, which a server that
// serves many requests cannot let it do.
// execAPI serves /containers/{id}/exec and /exec/...: the exec instances
// live between create and start in its store, as in Docker's daemon.
type execAPI struct {
	*router.Router
	execs *execStore
}

type execInstance struct {
	id, containerID string
	cfg             container.ExecCreateRequest
	mu              sync.Mutex
	running         bool
	exitCode        *int
	ended           time.Time
	pid             int
	pty             *os.File // the master of a -t exec, for resize
}

type execStore struct {
	mu sync.Mutex
	m  map[string]*execInstance
}

func newExecStore() *execStore { return &execStore{m: map[string]*execInstance{}} }

func (s *execStore) get(id string) (*execInstance, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if x, ok := s.m[id]; ok {
		return x, nil
	}
	return nil, &router.HTTPError{Status: http.StatusNotFound, Msg: "No such exec instance: " + id}
}

// keepEnded is how long an ended exec can still be inspected; Docker keeps
// them until its container goes, berth until then or this long.
const keepEnded = 10 * time.Minute

// add records x and forgets the instances that ended long enough ago.
func (s *execStore) add(x *execInstance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, old := range s.m {
		old.mu.Lock()
		gone := !old.ended.IsZero() && time.Since(old.ended) > keepEnded
		old.mu.Unlock()
		if gone {
			delete(s.m, id)
		}
	}
	s.m[x.id] = x
}

// Register adds this package's routes to r.
func Register(r *router.Router) {
	s := &execAPI{Router: r, execs: newExecStore()}
	s.Handle("POST /containers/{id}/exec", s.createExec)
	s.Handle("POST /exec/{id}/start", s.startExec)
	s.Handle("POST /exec/{id}/resize", s.resizeExec)
	s.Handle("GET /exec/{id}/json", s.inspectExec)
}

func (s *execAPI) createExec(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var req container.ExecCreateRequest
	if err := router.DecodeBody(r, &req); err != nil {
		return err
	}
	if len(req.Cmd) == 0 {
		return router.BadRequest("No exec command specified")
	}
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		if c.State.Status == record.StatusPaused {
			return router.Conflict("Container %s is paused, unpause the container before exec", c.ID)
		}
		if !c.Running() {
			return router.Conflict("Container %s is not running", c.ID)
		}
		var b [32]byte
		rand.Read(b[:])
		x := &execInstance{id: hex.EncodeToString(b[:]), containerID: c.ID, cfg: req}
		s.execs.add(x)
		return router.WriteJSON(w, http.StatusCreated, container.ExecCreateResponse{ID: x.id})
	})
}

// command is the `berth exec` that runs x.
func (s *execAPI) command(x *execInstance, detach bool) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{"--root", s.Opts.Root, "--runroot", s.Opts.Runroot, "exec"}
	c := x.cfg
	flag := func(on bool, f string) {
		if on {
			args = append(args, f)
		}
	}
	flag(c.AttachStdin, "-i")
	flag(c.Tty, "-t")
	flag(detach, "-d")
	flag(c.Privileged, "--privileged")
	for _, kv := range c.Env {
		args = append(args, "-e", kv)
	}
	if c.User != "" {
		args = append(args, "-u", c.User)
	}
	if c.WorkingDir != "" {
		args = append(args, "-w", c.WorkingDir)
	}
	args = append(append(args, x.containerID), c.Cmd...)
	cmd := exec.Command(exe, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.Dir = "/"
	return cmd, nil
}

func (s *execAPI) startExec(w http.ResponseWriter, r *http.Request) error {
	x, err := s.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	var req container.ExecStartRequest
	if err := router.DecodeBody(r, &req); err != nil {
		return err
	}
	x.mu.Lock()
	// Docker's daemon words the two cases apart: an exec runs once.
	if x.exitCode != nil {
		x.mu.Unlock()
		return router.Conflict("Error: Exec command %s has already run", x.id)
	}
	if x.running {
		x.mu.Unlock()
		return router.Conflict("Error: Exec command %s is already running", x.id)
	}
	x.running = true
	x.mu.Unlock()
	cmd, err := s.command(x, req.Detach)
	if err != nil {
		return err
	}
	if req.Detach {
		err := cmd.Run()
		x.finish(cmd, err)
		if err != nil {
			return err
		}
		return router.WriteJSON(w, http.StatusOK, struct{}{})
	}
	conn, err := router.Hijack(w, r)
	if err != nil {
		return err
	}
	defer conn.Close()
	if x.cfg.Tty {
		err = x.runTTY(cmd, conn)
	} else {
		err = x.runPipes(cmd, conn)
	}
	x.finish(cmd, err)
	return nil
}

func (x *execInstance) finish(cmd *exec.Cmd, err error) {
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		code = 126
	}
	x.mu.Lock()
	x.running, x.exitCode, x.ended = false, &code, time.Now()
	if cmd.Process != nil {
		x.pid = cmd.Process.Pid
	}
	x.mu.Unlock()
}

// runPipes runs a non-terminal exec: its output goes out multiplexed.
func (x *execInstance) runPipes(cmd *exec.Cmd, conn *router.Hijacked) error {
	cmd.Stdout, cmd.Stderr = router.Outputs(conn, false)
	if x.cfg.AttachStdin {
		in, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		go func() { io.Copy(in, conn); in.Close() }()
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	x.mu.Lock()
	x.pid = cmd.Process.Pid
	x.mu.Unlock()
	return cmd.Wait()
}

// runTTY gives `berth exec -t` a terminal of ours, in raw mode so that
// the bytes pass as they are: the client's own terminal does the echo.
func (x *execInstance) runTTY(cmd *exec.Cmd, conn *router.Hijacked) error {
	master, slavePath, err := console.NewPty()
	if err != nil {
		return err
	}
	defer master.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return err
	}
	if _, err := term.MakeRaw(int(slave.Fd())); err != nil {
		slave.Close()
		return err
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	x.mu.Lock()
	x.pty = master
	x.mu.Unlock()
	err = cmd.Start()
	slave.Close()
	if err != nil {
		return err
	}
	go io.Copy(master, conn)
	done := make(chan struct{})
	go func() { io.Copy(conn, master); close(done) }()
	err = cmd.Wait()
	// The pty's last output may still be in the master: it reads EIO once
	// the child and all holders of the slave are gone.
	<-done
	return err
}

func (s *execAPI) resizeExec(w http.ResponseWriter, r *http.Request) error {
	x, err := s.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	h, wd, err := router.SizeQuery(r)
	if err != nil {
		return err
	}
	x.mu.Lock()
	pty := x.pty
	x.mu.Unlock()
	if pty != nil {
		console.SetSize(pty, specs.Box{Height: uint(h), Width: uint(wd)})
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *execAPI) inspectExec(w http.ResponseWriter, r *http.Request) error {
	x, err := s.execs.get(r.PathValue("id"))
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	resp := container.ExecInspectResponse{
		ID: x.id, Running: x.running, ExitCode: x.exitCode, ContainerID: x.containerID, Pid: x.pid,
		OpenStdin: x.cfg.AttachStdin, OpenStdout: x.cfg.AttachStdout, OpenStderr: x.cfg.AttachStderr,
		ProcessConfig: &container.ExecProcessConfig{Tty: x.cfg.Tty, Entrypoint: x.cfg.Cmd[0], Arguments: x.cfg.Cmd[1:], Privileged: &x.cfg.Privileged, User: x.cfg.User},
	}
	return router.WriteJSON(w, http.StatusOK, resp)
}

// Package daemons starts the Docker Engine API servers the benchmarks set
// side by side: berth's `system service`, a private dockerd (Debian's
// docker.io) and `podman system service` (Debian's podman), each on its own
// socket with its own roots under one directory the caller owns, and stops
// them leaving nothing behind: their containers removed through the API,
// the processes ended by PID, their mounts, cgroups and host paths gone.
package daemons

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DockerCLI is the docker CLI the benchmarks drive every server with:
// docker.io's, which matches its dockerd (a newer CLI elsewhere on $PATH
// would negotiate another API version).
const DockerCLI = "/usr/bin/docker"

// Daemon is one running API server.
type Daemon struct {
	Name string
	Dir  string // its private dir: roots, socket, log
	Sock string // the unix socket it serves
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
	// hostPaths are paths outside Dir the daemon insists on creating,
	// parents first, removed at Stop if they did not exist before (and
	// are empty).
	hostPaths []string
	// cgroups are top-level cgroup names its containers go under, removed
	// at Stop from every hierarchy where they did not exist before.
	cgroups []string
	// after runs once the daemon has exited (podman's storage reset).
	after func() error
}

// Pid is the daemon's process ID.
func (d *Daemon) Pid() int { return d.cmd.Process.Pid }

// Docker is the docker CLI pointed at the daemon, with a config dir of its own.
func (d *Daemon) Docker(args ...string) *exec.Cmd {
	c := exec.Command(DockerCLI, append([]string{"-H", "unix://" + d.Sock}, args...)...)
	c.Env = append(os.Environ(), "DOCKER_CONFIG="+filepath.Join(d.Dir, "cli"))
	return c
}

// Client is an HTTP client of the daemon's socket.
func (d *Daemon) Client() *http.Client {
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", d.Sock)
		},
	}}
}

// start runs name args with its output in Dir/NAME.log and waits until
// its socket answers /_ping.
func (d *Daemon) start(env []string, name string, args ...string) error {
	if err := os.MkdirAll(d.Dir, 0o700); err != nil {
		return fmt.Errorf("start %s: %w", d.Name, err)
	}
	d.hostPaths = absent(d.hostPaths)
	d.cgroups = absentCgroups(d.cgroups)
	log, err := os.OpenFile(filepath.Join(d.Dir, d.Name+".log"), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("start %s: %w", d.Name, err)
	}
	d.log = log
	d.cmd = exec.Command(name, args...)
	d.cmd.Env = append(os.Environ(), env...)
	d.cmd.Stdout, d.cmd.Stderr = log, log
	if err := d.cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("start %s: %w", d.Name, err)
	}
	d.done = make(chan struct{})
	go func() { d.cmd.Wait(); close(d.done) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if d.ping() == nil {
			return nil
		}
		select {
		case <-d.done:
			return fmt.Errorf("%s exited at start: %s", d.Name, d.logTail())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return errors.Join(fmt.Errorf("%s did not answer on %s within 60s: %s", d.Name, d.Sock, d.logTail()), d.Stop())
		}
	}
}

func (d *Daemon) ping() error {
	c := d.Client()
	c.Timeout = 2 * time.Second
	resp, err := c.Get("http://d/_ping")
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("ping %s: status %d", d.Name, resp.StatusCode)
	}
	return nil
}

func (d *Daemon) logTail() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, d.Name+".log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// RemoveContainers force-removes every container of the daemon, through
// its API (the CLI's ps -aq and rm -f).
func (d *Daemon) RemoveContainers() error {
	out, err := d.Docker("ps", "-aq").Output()
	if err != nil {
		return fmt.Errorf("%s: docker ps -aq: %w", d.Name, err)
	}
	ids := strings.Fields(string(out))
	for len(ids) > 0 {
		k := min(len(ids), 50)
		if out, err := d.Docker(append([]string{"rm", "-f"}, ids[:k]...)...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s: docker rm -f: %w: %s", d.Name, err, out)
		}
		ids = ids[k:]
	}
	return nil
}

// Stop removes the daemon's containers, ends it (SIGTERM, SIGKILL after
// 20 s) and removes what it left: its dir, mounts, cgroups, host paths.
func (d *Daemon) Stop() error {
	if d.cmd == nil || d.cmd.Process == nil {
		return nil
	}
	var errs []error
	select {
	case <-d.done:
	default:
		errs = append(errs, d.RemoveContainers())
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(20 * time.Second):
			d.cmd.Process.Kill()
			<-d.done
		}
	}
	d.log.Close()
	if d.after != nil {
		errs = append(errs, d.after())
	}
	errs = append(errs, killStrays(d.Dir), unmountUnder(d.Dir), removeCgroups(d.cgroups))
	if err := os.RemoveAll(d.Dir); err != nil {
		errs = append(errs, fmt.Errorf("remove %s's dir: %w", d.Name, err))
	}
	for i := len(d.hostPaths) - 1; i >= 0; i-- {
		os.Remove(d.hostPaths[i]) // fails, as it should, unless empty or a file it made
	}
	d.cmd = nil
	return errors.Join(errs...)
}

// absent keeps the paths that do not exist now.
func absent(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			out = append(out, p)
		}
	}
	return out
}

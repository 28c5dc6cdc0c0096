// Package api_test drives `berth system service` with real clients: Debian's
// docker CLI (docker.io 20.10, API 1.41) through DOCKER_HOST, and raw HTTP
// for what a CLI does not show (versioned paths, status codes, error
// bodies). Each test starts its own service on a private socket over a
// private engine root.
package api_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

func TestMain(m *testing.M) {
	os.Setenv("BERTH_SKIP_IP_FORWARD", "1")
	os.Exit(testutil.Main(m))
}

const dockerBin = "/usr/bin/docker" // docker.io 20.10, API 1.41

// service is one berth system service with its engine root.
type service struct {
	t             *testing.T
	bin           string
	dir           string
	root, runroot string
	sock          string
	cmd           *exec.Cmd
	log           *testutil.Buffer
	exited        chan error
}

// startService starts `berth system service --time 0` on dir/s.sock; the
// test's end removes every container and network and stops it.
func startService(t *testing.T, extra ...string) *service {
	t.Helper()
	testutil.RequireRoot(t)
	bin, err := testutil.BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s := &service{t: t, bin: bin, dir: dir, root: filepath.Join(dir, "root"), runroot: filepath.Join(dir, "run"), sock: filepath.Join(dir, "s.sock")}
	args := append([]string{"system", "service", "--time", "0"}, extra...)
	s.start(append(args, "unix://"+s.sock)...)
	t.Cleanup(func() {
		ids := strings.Fields(s.berth("ps", "-aq", "--no-trunc"))
		if len(ids) > 0 {
			s.berth(append([]string{"rm", "-f", "-v"}, ids...)...)
		}
		s.berth("network", "prune", "-f")
		s.stop()
		if left, _ := testutil.MountedUnder(dir); len(left) > 0 {
			t.Errorf("mounts left under the test root: %v", left)
		}
	})
	return s
}

func (s *service) start(args ...string) {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, append([]string{"--root", s.root, "--runroot", s.runroot}, args...)...)
	s.log = &testutil.Buffer{}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()
	if !testutil.WaitFor(10*time.Second, func() bool {
		c, err := net.Dial("unix", s.sock)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		s.stop()
		s.t.Fatalf("the service did not listen on %s:\n%s", s.sock, s.log)
	}
}

// stop sends SIGTERM and checks a clean exit.
func (s *service) stop() {
	if s.cmd == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.exited:
		if err != nil {
			s.t.Errorf("service exit after SIGTERM: %v\n%s", err, s.log)
		}
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
		s.t.Errorf("service did not exit within 15s of SIGTERM")
	}
	s.cmd = nil
}

// berth runs the berth CLI on the service's root.
func (s *service) berth(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.bin, append([]string{"--root", s.root, "--runroot", s.runroot}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Logf("berth %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

type result struct {
	stdout, stderr string
	code           int
}

// docker runs the docker CLI against the service.
func (s *service) docker(stdin string, args ...string) result {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, dockerBin, args...)
	cmd.Env, cmd.Dir = s.dockerCmd().Env, s.dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatalf("docker %v: %v", args, err)
	}
	return result{out.String(), errb.String(), code}
}

// must runs docker and fails the test unless it exits 0.
func (s *service) must(t testing.TB, args ...string) string {
	t.Helper()
	r := s.docker("", args...)
	if r.code != 0 {
		t.Fatalf("docker %s: exit %d\nstdout: %s\nstderr: %s\nservice log:\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr, s.log)
	}
	return r.stdout
}

// http is a client of the service's socket.
func (s *service) http() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", s.sock)
		},
	}}
}

func (s *service) dockerCmd(args ...string) *exec.Cmd {
	cmd := exec.Command(dockerBin, args...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+s.sock, "DOCKER_CONFIG="+filepath.Join(s.dir, "cli"))
	cmd.Dir = s.dir
	return cmd
}

package api_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// call makes one request and returns its status and body.
func (s *service) call(t *testing.T, method, path, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://berth"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestHTTP checks versions, status codes and Docker's error bodies.
func TestHTTP(t *testing.T) {
	s := startService(t)
	fi, err := os.Stat(s.sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o660 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket mode %v, want a 0660 socket", fi.Mode())
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
		t.Errorf("socket owned by %d:%d, want root:root", st.Uid, st.Gid)
	}
	s.must(t, "pull", "busybox")
	for _, tc := range []struct {
		method, path, body string
		status             int
		message            string // the {"message"} body; "" for a body not checked
	}{
		{"GET", "/_ping", "", 200, ""},
		{"HEAD", "/_ping", "", 200, ""},
		{"GET", "/v1.24/_ping", "", 200, ""},
		{"GET", "/v1.44/version", "", 200, ""},
		{"GET", "/v1.45/version", "", 400, "client version 1.45 is too new. Maximum supported API version is 1.44"},
		{"GET", "/v1.12/version", "", 400, "client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version"},
		{"GET", "/v1.41/containers/nosuch/json", "", 404, "No such container: nosuch"},
		{"DELETE", "/v1.41/containers/nosuch", "", 404, "No such container: nosuch"},
		{"POST", "/v1.41/containers/nosuch/start", "", 404, "No such container: nosuch"},
		{"GET", "/v1.41/images/nosuch:1/json", "", 404, "No such image: nosuch:1"},
		{"POST", "/v1.41/containers/create", "{bad", 400, "invalid JSON in request body: invalid character 'b' looking for beginning of object key string"},
		{"POST", "/v1.41/containers/create", `{"Image":"nosuch:1"}`, 404, "No such image: nosuch:1"},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox","HostConfig":{"Links":["a:b"],"KernelMemory":8388608}}`, 400, "berth does not support HostConfig.KernelMemory, HostConfig.Links"},
		{"POST", "/v1.41/containers/create", `{"Image":"busybox","HostConfig":{"LogConfig":{"Type":"syslog"}}}`, 400, "berth does not support the syslog log driver: it keeps json-file logs"},
		{"POST", "/v1.41/containers/create?name=bad/name", `{"Image":"busybox"}`, 400, ""},
		{"POST", "/v1.41/containers/json/wait?condition=sometime", "", 400, `invalid condition: "sometime"`},
		{"GET", "/v1.41/exec/nosuch/json", "", 404, "No such exec instance: nosuch"},
		{"GET", "/v1.41/volumes/nosuch", "", 404, "get nosuch: no such volume"},
	} {
		status, hdr, body := s.call(t, tc.method, tc.path, tc.body)
		if status != tc.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, status, tc.status, body)
			continue
		}
		if status == 200 && strings.HasSuffix(tc.path, "_ping") {
			if hdr.Get("Api-Version") != "1.44" {
				t.Errorf("%s %s: API-Version %q, want 1.44", tc.method, tc.path, hdr.Get("Api-Version"))
			}
			if tc.method == "GET" && body != "OK" {
				t.Errorf("GET /_ping = %q", body)
			}
		}
		if tc.message == "" {
			continue
		}
		var e struct{ Message string }
		if err := json.Unmarshal([]byte(body), &e); err != nil || e.Message != tc.message {
			t.Errorf("%s %s: body %q, want message %q", tc.method, tc.path, body, tc.message)
		}
	}
	// Versions: what /version reports.
	_, _, body := s.call(t, "GET", "/version", "")
	var v struct{ APIVersion, MinAPIVersion string }
	if json.Unmarshal([]byte(body), &v); v.APIVersion != "1.44" || v.MinAPIVersion != "1.24" {
		t.Errorf("/version = %s", body)
	}
	// Lifecycle codes: 201 create, 204 start, 304 start again, 409 rm of a
	// running container, 204 stop, 304 stop again, 204 rm.
	status, _, body := s.call(t, "POST", "/v1.41/containers/create?name=codes", `{"Image":"busybox","Cmd":["sleep","100"],"HostConfig":{"NetworkMode":"none"}}`)
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	for _, step := range []struct {
		method, path string
		status       int
	}{
		{"POST", "/containers/codes/start", 204},
		{"POST", "/containers/codes/start", 304},
		{"DELETE", "/containers/codes", 409},
		{"POST", "/containers/codes/stop?t=1", 204},
		{"POST", "/containers/codes/stop", 304},
		{"POST", "/containers/codes/kill", 409},
		{"DELETE", "/containers/codes", 204},
	} {
		if status, _, body := s.call(t, step.method, "/v1.41"+step.path, ""); status != step.status {
			t.Errorf("%s %s: status %d, want %d (%s)", step.method, step.path, status, step.status, body)
		}
	}
	// The service kept serving through all of it.
	if status, _, _ := s.call(t, "GET", "/_ping", ""); status != 200 {
		t.Errorf("ping after the bad requests: %d", status)
	}
}

// TestPullFromRegistry pulls through the API from a loopback registry that
// berth's CLI pushed to.
func TestPullFromRegistry(t *testing.T) {
	s := startService(t)
	reg := testutil.StartRegistry(t)
	ref := reg + "/apitest/busybox:v1"
	s.berth("pull", "busybox")
	s.berth("tag", "busybox", ref)
	if out := s.berth("push", ref); !strings.Contains(out, "digest") && !strings.Contains(out, "Pushed") {
		t.Logf("berth push: %s", out)
	}
	s.berth("rmi", ref)
	out := s.must(t, "pull", ref)
	wantContains(t, "docker pull", out, "Digest: sha256:")
	wantContains(t, "docker images after pull", s.must(t, "images", "--format", "{{.Repository}}:{{.Tag}}"), reg+"/apitest/busybox:v1")
	if got := s.must(t, "run", "--rm", "--network", "none", ref, "echo", "pulled"); got != "pulled\n" {
		t.Errorf("run of the pulled image = %q", got)
	}
	// Push through the API, then pull it back by the CLI.
	pushed := reg + "/apitest/pushed:v2"
	s.must(t, "tag", "busybox", pushed)
	wantContains(t, "docker push", s.must(t, "push", pushed), "digest: sha256:")
	s.must(t, "rmi", pushed)
	wantContains(t, "berth pull of what docker pushed", s.berth("pull", pushed), pushed)
	r := s.docker("", "pull", reg+"/apitest/nosuch:v1")
	if r.code == 0 {
		t.Errorf("pull of a missing image succeeded: %s", r.stdout)
	}
}

// TestServiceLifecycle: SIGTERM removes the socket the service made, an
// idle service exits by itself, and under socket activation the service
// uses the socket it was given and leaves it in place.
func TestServiceLifecycle(t *testing.T) {
	s := startService(t)
	s.stop()
	if _, err := os.Stat(s.sock); !os.IsNotExist(err) {
		t.Errorf("socket after SIGTERM: %v, want it removed", err)
	}
	t.Run("Idle", func(t *testing.T) {
		start := time.Now()
		cmd := exec.Command(s.bin, "--root", s.root, "--runroot", s.runroot, "system", "service", "--time", "1", "unix://"+s.sock)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("idle service: %v\n%s", err, out)
		}
		if d := time.Since(start); d < time.Second || d > 10*time.Second {
			t.Errorf("service with --time 1 exited after %s", d)
		}
		if _, err := os.Stat(s.sock); !os.IsNotExist(err) {
			t.Errorf("socket after idle exit: %v, want it removed", err)
		}
	})
	t.Run("Activation", func(t *testing.T) {
		path := filepath.Join(s.dir, "act.sock")
		l, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		l.(*net.UnixListener).SetUnlinkOnClose(false)
		f, err := l.(*net.UnixListener).File()
		if err != nil {
			t.Fatal(err)
		}
		l.Close()
		// systemd sets LISTEN_PID to the service's own pid: sh's exec
		// keeps its pid.
		cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$@"`, "sh",
			s.bin, "--root", s.root, "--runroot", s.runroot, "system", "service", "--time", "0")
		cmd.ExtraFiles = []*os.File{f}
		var log testutil.Buffer
		cmd.Stdout, cmd.Stderr = &log, &log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		act := &service{t: t, sock: path, dir: s.dir}
		var out result
		if !testutil.WaitFor(10*time.Second, func() bool {
			out = act.docker("", "version", "--format", "{{.Server.APIVersion}}")
			return out.code == 0
		}) {
			t.Errorf("docker version through the activated socket: %+v\n%s", out, log.String())
		}
		cmd.Process.Signal(syscall.SIGTERM)
		if err := <-exited; err != nil {
			t.Errorf("activated service exit: %v\n%s", err, log.String())
		}
		if _, err := os.Stat(path); err != nil {
			t.Errorf("the activated socket is gone after the service's exit: %v (systemd owns it)", err)
		}
		if strings.Contains(log.String(), strconv.Itoa(os.Getpid())) {
			t.Logf("service log: %s", log.String())
		}
	})
	// Let the cleanup's stop find nothing to stop.
	s.cmd = nil
}

// TestAttachClientGone: a client that hangs up in the middle of an attach
// stream frees what the service held for it, and the service serves on.
func TestAttachClientGone(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	id := strings.TrimSpace(s.must(t, "create", "--network", "none", "busybox", "sh", "-c", "while true; do echo tick; sleep 0.05; done"))
	conn, err := net.Dial("unix", s.sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST /v1.41/containers/" + id + "/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: berth\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 101 UPGRADED") {
		t.Fatalf("attach answer %q (%v), want 101 UPGRADED", buf[:n], err)
	}
	if status, _, body := s.call(t, "POST", "/v1.41/containers/"+id+"/start", ""); status != 204 {
		t.Fatalf("start: %d %s", status, body)
	}
	var got strings.Builder
	for !strings.Contains(got.String(), "tick") {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("attach stream: %v after %q", err, got.String())
		}
		got.Write(buf[:n])
	}
	if buf[0] != 1 {
		t.Errorf("first byte of a non-tty stream %d, want 1 (stdout frame)", buf[0])
	}
	conn.Close()
	pid := s.cmd.Process.Pid
	holds := func() bool {
		fds, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
		for _, fd := range fds {
			if l, _ := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + fd.Name()); strings.Contains(l, id+"-json.log") {
				return true
			}
		}
		return false
	}
	if !testutil.WaitFor(10*time.Second, func() bool { return !holds() }) {
		t.Errorf("the service still holds the log of %s after its attach client went", id)
	}
	if status, _, _ := s.call(t, "GET", "/_ping", ""); status != 200 {
		t.Errorf("ping after the client went: %d", status)
	}
}

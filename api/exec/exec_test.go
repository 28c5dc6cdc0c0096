package exec

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/berth-containers/berth/api/router"
)

func newTestAPI() (*execAPI, *router.Router) {
	r := router.New(router.Options{Root: "/r", Runroot: "/rr"})
	s := &execAPI{Router: r, execs: newExecStore()}
	r.Handle("POST /containers/{id}/exec", s.createExec)
	r.Handle("POST /exec/{id}/start", s.startExec)
	r.Handle("POST /exec/{id}/resize", s.resizeExec)
	r.Handle("GET /exec/{id}/json", s.inspectExec)
	return s, r
}

func TestStatusBeforeEngine(t *testing.T) {
	s, r := newTestAPI()
	s.execs.add(&execInstance{id: "running", containerID: "c", cfg: container.ExecCreateRequest{Cmd: []string{"sh"}}, running: true})
	code := 0
	s.execs.add(&execInstance{id: "done", containerID: "c", cfg: container.ExecCreateRequest{Cmd: []string{"sh"}}, exitCode: &code, ended: time.Now()})
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"no cmd", "POST", "/containers/c/exec", `{"AttachStdout":true}`, 400, "No exec command specified"},
		{"empty cmd", "POST", "/containers/c/exec", `{"Cmd":[]}`, 400, "No exec command specified"},
		{"bad json", "POST", "/containers/c/exec", `{"Cmd":`, 400, "invalid JSON"},
		{"start unknown", "POST", "/exec/nope/start", `{}`, 404, "No such exec instance: nope"},
		{"start running", "POST", "/exec/running/start", `{"Detach":true}`, 409, "is already running"},
		{"start ended", "POST", "/exec/done/start", `{"Detach":true}`, 409, "has already run"},
		{"resize unknown", "POST", "/exec/nope/resize?h=1&w=1", "", 404, "No such exec instance"},
		{"resize no pty", "POST", "/exec/running/resize?h=24&w=80", "", 200, ""},
		{"inspect unknown", "GET", "/exec/nope/json", "", 404, "No such exec instance"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			r.ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.msg == "" {
				return
			}
			var e struct{ Message string }
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("error body %q: %v", w.Body, err)
			}
			if !strings.Contains(e.Message, tc.msg) {
				t.Errorf("message %q, want %q", e.Message, tc.msg)
			}
		})
	}
}

func TestInspectShape(t *testing.T) {
	s, r := newTestAPI()
	code := 3
	s.execs.add(&execInstance{id: "x1", containerID: "c1", pid: 42, exitCode: &code, ended: time.Now(),
		cfg: container.ExecCreateRequest{Cmd: []string{"ls", "-l", "/"}, Tty: true, AttachStdin: true, AttachStdout: true, User: "nobody"}})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/exec/x1/json", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	// The field names Docker's CLI and SDKs read.
	var got struct {
		ID, ContainerID                   string
		Running                           bool
		ExitCode                          *int
		Pid                               int
		OpenStdin, OpenStdout, OpenStderr bool
		ProcessConfig                     struct {
			Tty        bool     `json:"tty"`
			Entrypoint string   `json:"entrypoint"`
			Arguments  []string `json:"arguments"`
			User       string   `json:"user"`
		}
	}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != "x1" || got.ContainerID != "c1" || got.Running || got.ExitCode == nil || *got.ExitCode != 3 || got.Pid != 42 ||
		!got.OpenStdin || !got.OpenStdout || got.OpenStderr {
		t.Errorf("inspect = %s", w.Body)
	}
	pc := got.ProcessConfig
	if !pc.Tty || pc.Entrypoint != "ls" || !reflect.DeepEqual(pc.Arguments, []string{"-l", "/"}) || pc.User != "nobody" {
		t.Errorf("ProcessConfig = %+v", pc)
	}
}

func TestCommand(t *testing.T) {
	s := &execAPI{Router: router.New(router.Options{Root: "/r", Runroot: "/rr"})}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		cfg    container.ExecCreateRequest
		detach bool
		want   []string
	}{
		{"plain", container.ExecCreateRequest{Cmd: []string{"true"}}, false,
			[]string{"--root", "/r", "--runroot", "/rr", "exec", "cid", "true"}},
		{"all flags", container.ExecCreateRequest{Cmd: []string{"sh", "-c", "env"}, AttachStdin: true, Tty: true, Privileged: true,
			Env: []string{"A=1", "B=2"}, User: "1000:1000", WorkingDir: "/tmp"}, true,
			[]string{"--root", "/r", "--runroot", "/rr", "exec", "-i", "-t", "-d", "--privileged", "-e", "A=1", "-e", "B=2",
				"-u", "1000:1000", "-w", "/tmp", "cid", "sh", "-c", "env"}},
		// A command that looks like a flag stays after the container.
		{"dash cmd", container.ExecCreateRequest{Cmd: []string{"-x"}}, false,
			[]string{"--root", "/r", "--runroot", "/rr", "exec", "cid", "-x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd, err := s.command(&execInstance{containerID: "cid", cfg: tc.cfg}, tc.detach)
			if err != nil {
				t.Fatal(err)
			}
			if cmd.Path != exe || !reflect.DeepEqual(cmd.Args[1:], tc.want) {
				t.Errorf("command = %s %q, want %s %q", cmd.Path, cmd.Args[1:], exe, tc.want)
			}
			if cmd.Dir != "/" || len(cmd.Env) != 1 || !strings.HasPrefix(cmd.Env[0], "PATH=") {
				t.Errorf("dir %q env %q: want / and PATH alone", cmd.Dir, cmd.Env)
			}
		})
	}
}

func TestFinish(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  *exec.Cmd
		want int
	}{
		{"success", exec.Command("true"), 0},
		{"exit status", exec.Command("sh", "-c", "exit 7"), 7},
		{"cannot start", exec.Command("/nonexistent/berth-test"), 126},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := &execInstance{running: true}
			x.finish(tc.cmd, tc.cmd.Run())
			if x.running || x.exitCode == nil || *x.exitCode != tc.want || x.ended.IsZero() {
				t.Errorf("running %v exit %v ended %v, want exit %d", x.running, x.exitCode, x.ended, tc.want)
			}
		})
	}
}

func TestStoreForgetsOldEnded(t *testing.T) {
	s := newExecStore()
	s.add(&execInstance{id: "old", ended: time.Now().Add(-keepEnded - time.Minute)})
	s.add(&execInstance{id: "recent", ended: time.Now()})
	s.add(&execInstance{id: "live"})
	s.add(&execInstance{id: "new"})
	for id, want := range map[string]bool{"old": false, "recent": true, "live": true, "new": true} {
		if _, err := s.get(id); (err == nil) != want {
			t.Errorf("get(%s): %v, want kept=%v", id, err, want)
		}
	}
}

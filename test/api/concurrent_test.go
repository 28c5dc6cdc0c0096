package api_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// apiCall is one request of its own (no keep-alive: the fd check after
// must not count the client's idle connections); it returns the status
// and body.
func (s *service) apiCall(method, path, body string) (int, string, error) {
	c := s.http()
	c.Transport.(*http.Transport).DisableKeepAlives = true
	req, err := http.NewRequest(method, "http://berth"+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestConcurrentWithCLI creates, starts and removes containers through
// the API (50 at once) and the berth CLI (50 at once) at the same moment:
// each side sees every record, none is lost or left, and the service
// holds no more fds after than before.
func TestConcurrentWithCLI(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	// The first start opens handles the service keeps (an O_PATH of /):
	// the fds are counted after one.
	s.must(t, "run", "--rm", "--network", "none", "busybox", "true")
	s.ping(t)
	fds, before := s.fdCount(t), s.fdLinks()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan string, 4*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("api%d", i)
			body := `{"Image":"busybox","Cmd":["sleep","600"],"HostConfig":{"NetworkMode":"none"}}`
			if st, b, err := s.apiCall("POST", "/v1.41/containers/create?name="+name, body); err != nil || st != 201 {
				errs <- fmt.Sprintf("create %s: %d %s %v", name, st, b, err)
				return
			}
			if st, b, err := s.apiCall("POST", "/v1.41/containers/"+name+"/start", ""); err != nil || st != 204 {
				errs <- fmt.Sprintf("start %s: %d %s %v", name, st, b, err)
			}
		}()
		go func() {
			defer wg.Done()
			out := s.berth("run", "-d", "--name", fmt.Sprintf("cli%d", i), "--network", "none", "busybox", "sleep", "600")
			if len(strings.TrimSpace(out)) != 64 {
				errs <- "berth run: " + out
			}
		}()
	}
	wg.Wait()
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, fmt.Sprintf("api%d", i), fmt.Sprintf("cli%d", i))
	}
	sort.Strings(want)
	names := func(out string) string {
		f := strings.Fields(out)
		sort.Strings(f)
		return strings.Join(f, " ")
	}
	if got := names(s.must(t, "ps", "--format", "{{.Names}}")); got != strings.Join(want, " ") {
		t.Errorf("docker ps = %s, want %s", got, strings.Join(want, " "))
	}
	if got := names(s.berth("ps", "--format", "{{.Names}}")); got != strings.Join(want, " ") {
		t.Errorf("berth ps = %s, want %s", got, strings.Join(want, " "))
	}
	// Remove them crosswise: the API the CLI's, the CLI the API's.
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("cli%d", i)
			if st, b, err := s.apiCall("DELETE", "/v1.41/containers/"+name+"?force=1", ""); err != nil || st != 204 {
				errs <- fmt.Sprintf("remove %s: %d %s %v", name, st, b, err)
			}
		}()
		go func() { defer wg.Done(); s.berth("rm", "-f", fmt.Sprintf("api%d", i)) }()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if left := strings.TrimSpace(s.berth("ps", "-aq")); left != "" {
		t.Errorf("containers left after the removals: %s", left)
	}
	if left := strings.TrimSpace(s.must(t, "ps", "-aq")); left != "" {
		t.Errorf("docker ps -aq after the removals: %s", left)
	}
	// The monitors the service started and rm killed are reaped.
	var zombies []int
	if !waitFor(func() bool { zombies = s.zombieChildren(); return len(zombies) == 0 }) {
		t.Errorf("the service's children left unreaped: %v", zombies)
	}
	if got := s.settledFds(t, fds); got > fds {
		t.Errorf("the service holds %d fds after the calls, %d before: %v, before %v", got, fds, s.fdLinks(), before)
	}
}

// zombieChildren lists the service's children that exited unreaped.
func (s *service) zombieChildren() []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) >= 2 && f[0] == "Z" && f[1] == strconv.Itoa(s.cmd.Process.Pid) {
			out = append(out, pid)
		}
	}
	return out
}

package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDockerEvents: docker events over a past window, with filters, and a
// live follower that sees a docker run's create, start and die.
func TestDockerEvents(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	since := strconv.FormatInt(time.Now().Unix()-1, 10)
	s.must(t, "run", "--rm", "--network", "none", "--name", "ev1", "busybox", "true")
	until := strconv.FormatInt(time.Now().Unix()+1, 10)
	time.Sleep(1100 * time.Millisecond) // until is in the past now: the read ends
	t.Run("Window", func(t *testing.T) {
		out := s.must(t, "events", "--since", since, "--until", until, "--filter", "container=ev1", "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
		for _, want := range []string{"container create ev1", "container start ev1", "container die ev1", "container destroy ev1"} {
			wantContains(t, "docker events --since --until", out, want)
		}
		out = s.must(t, "events", "--since", since, "--until", until, "--filter", "event=die", "--format", "{{json .}}")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 1 {
			t.Fatalf("event=die gave %d events, want 1:\n%s", len(lines), out)
		}
		var m struct {
			Status, ID, From, Type, Action string
			Actor                          struct{ Attributes map[string]string }
			TimeNano                       int64 `json:"timeNano"`
		}
		if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
			t.Fatal(err)
		}
		if m.Status != "die" || m.From != "busybox" || m.Actor.Attributes["exitCode"] != "0" || len(m.ID) != 64 || m.TimeNano == 0 {
			t.Errorf("die event = %+v", m)
		}
		if out := s.must(t, "events", "--since", since, "--until", until, "--filter", "type=volume"); out != "" {
			t.Errorf("type=volume gave events: %q", out)
		}
	})
	t.Run("Follow", func(t *testing.T) {
		cmd := s.dockerCmd("events", "--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.name}}")
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cmd.Process.Kill(); cmd.Wait() }()
		lines := make(chan string, 16)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Nothing says when the follower is connected: create until it
		// shows one, then it sees everything after.
		connected := false
		for i := 0; !connected && i < 50; i++ {
			name := fmt.Sprintf("evf%d", i)
			s.must(t, "create", "--network", "none", "--name", name, "busybox", "true")
			select {
			case l := <-lines:
				connected = strings.HasPrefix(l, "create evf")
			case <-time.After(200 * time.Millisecond):
			}
		}
		if !connected {
			t.Fatal("the follower showed none of 50 creates")
		}
		s.must(t, "run", "--rm", "--network", "none", "--name", "ev2", "busybox", "true")
		want := []string{"create ev2", "start ev2", "die ev2"}
		timeout := time.After(10 * time.Second)
		for len(want) > 0 {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("the follower ended; still waiting for %v", want)
				}
				if l == want[0] {
					want = want[1:]
				}
			case <-timeout:
				t.Fatalf("the follower did not see %v", want)
			}
		}
	})
	t.Run("BadSince", func(t *testing.T) {
		code, _, body := s.call(t, "GET", "/v1.41/events?since=10&until=5", "")
		if code != 400 || !strings.Contains(body, "cannot be after") {
			t.Errorf("since after until = %d %s", code, body)
		}
	})
}

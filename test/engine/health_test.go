package engine_test

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// health is State.Health as inspect prints it.
type health struct {
	Status        string
	FailingStreak int
	Log           []struct {
		Start, End time.Time
		ExitCode   int
		Output     string
	}
}

func (e *env) health(ref string) *health {
	e.T.Helper()
	var h *health
	if err := json.Unmarshal([]byte(e.Inspect(ref, "{{json .State.Health}}")), &h); err != nil {
		e.T.Fatalf("inspect %s: State.Health: %v", ref, err)
	}
	return h
}

// waitHealth waits until ref's health status is want.
func (e *env) waitHealth(ref, want string, within time.Duration) *health {
	e.T.Helper()
	var h *health
	testutil.Eventually(e.T, within, func() bool {
		h = e.health(ref)
		return h != nil && h.Status == want
	}, func() string { return fmt.Sprintf("%s never became %s: %+v", ref, want, h) })
	return h
}

// TestHealthHealthyThenUnhealthy: a passing check makes the container
// healthy (ps says so, the filter finds it, an event says so); once it
// fails retries times in a row it is unhealthy, with the streak and the
// last five results in inspect.
func TestHealthHealthyThenUnhealthy(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "hc", "--health-cmd", "cat /tmp/ok", "--health-interval", "200ms",
		"--health-retries", "2", "busybox", "sh", "-c", "echo fine > /tmp/ok; exec sleep 100")
	e.Must("run", "-d", "--name", "plain", "busybox", "sleep", "100")
	h := e.waitHealth("hc", "healthy", 10*time.Second)
	if l := h.Log[len(h.Log)-1]; l.ExitCode != 0 || l.Output != "fine\n" || !l.End.After(l.Start) {
		t.Errorf("passing probe logged as %+v", l)
	}
	if got := e.Must("ps", "--format", "{{.Names}} {{.Status}}", "--filter", "name=hc"); !strings.HasSuffix(strings.TrimSpace(got), "(healthy)") {
		t.Errorf("ps status: %q", got)
	}
	for filter, want := range map[string]string{"healthy": "hc", "unhealthy": "", "starting": "", "none": "plain"} {
		if got := strings.TrimSpace(e.Must("ps", "--format", "{{.Names}}", "--filter", "health="+filter)); got != want {
			t.Errorf("ps --filter health=%s: %q, want %q", filter, got, want)
		}
	}
	e.Must("exec", "hc", "rm", "/tmp/ok")
	h = e.waitHealth("hc", "unhealthy", 10*time.Second)
	if h.FailingStreak < 2 || len(h.Log) < 2 || len(h.Log) > 5 || h.Log[len(h.Log)-1].ExitCode != 1 {
		t.Errorf("unhealthy: streak %d, %d log entries, last %+v", h.FailingStreak, len(h.Log), h.Log[len(h.Log)-1])
	}
	// How many probes passed before the rm depends on the machine's
	// speed; once more than five have failed, the log keeps the last five.
	testutil.Eventually(t, 10*time.Second, func() bool { h = e.health("hc"); return h.FailingStreak > 5 },
		func() string { return fmt.Sprintf("the failing streak stopped at %d", h.FailingStreak) })
	if len(h.Log) != 5 || h.Log[0].ExitCode != 1 || h.Log[4].ExitCode != 1 {
		t.Errorf("after %d failures: %d log entries, want the last 5 failures: %+v", h.FailingStreak, len(h.Log), h.Log)
	}
	if got := e.Must("ps", "--format", "{{.Status}}", "--filter", "health=unhealthy"); !strings.Contains(got, "(unhealthy)") {
		t.Errorf("ps status: %q", got)
	}
	got := e.waitEvents("health_status: unhealthy", "--filter", "container=hc", "--filter", "event=health_status", "--format", "{{.Action}} {{.Actor.Attributes.name}}")
	if got != "health_status: healthy hc\nhealth_status: unhealthy hc\n" {
		t.Errorf("events: %q", got)
	}
	if r := e.Run("ps", "--filter", "health=sick"); r.ExitCode == 0 || !strings.Contains(r.Stderr, "Unrecognised filter value for health: sick") {
		t.Errorf("ps --filter health=sick: exit %d, %q", r.ExitCode, r.Stderr)
	}
}

// TestHealthStartPeriod: failures within the start period do not count
// (the container stays starting, streak 0), those after it do.
func TestHealthStartPeriod(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "slow", "--health-cmd", "false", "--health-interval", "200ms",
		"--health-retries", "1", "--health-start-period", "2s", "busybox", "sleep", "100")
	var h *health
	testutil.Eventually(t, 2*time.Second, func() bool { h = e.health("slow"); return h != nil && len(h.Log) > 1 },
		func() string { return fmt.Sprintf("no two probes within the 2s start period: %+v", h) })
	if h.Status != "starting" || h.FailingStreak != 0 {
		t.Errorf("within the start period: %+v, want starting, streak 0, some probes", h)
	}
	h = e.waitHealth("slow", "unhealthy", 10*time.Second)
	if h.FailingStreak != 1 {
		t.Errorf("after the start period: streak %d, want 1", h.FailingStreak)
	}
}

// TestHealthTimeout: a check that hangs is killed at its timeout and
// counts as a failure, with Docker's message; nothing of it is left.
func TestHealthTimeout(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "hang", "--health-cmd", "sleep 30", "--health-timeout", "300ms",
		"--health-interval", "200ms", "--health-retries", "1", "busybox", "sleep", "100")
	h := e.waitHealth("hang", "unhealthy", 10*time.Second)
	l := h.Log[0]
	if l.ExitCode != -1 || l.Output != "Health check exceeded timeout (300ms)" {
		t.Errorf("hung probe logged as %+v", l)
	}
	if d := l.End.Sub(l.Start); d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("hung probe took %v, want its timeout (300ms)", d)
	}
	// The probe running now may be one; those that timed out are gone.
	var ps string
	testutil.Eventually(t, 3*time.Second, func() bool {
		ps = e.Must("exec", "hang", "ps", "-o", "args")
		return strings.Count(ps, "sleep 30") <= 1
	}, func() string { return "hung probes left running:\n" + ps })
}

// TestHealthImage: the image's HEALTHCHECK runs unless --no-healthcheck,
// flags override its fields, and bad values are refused as Docker does.
func TestHealthImage(t *testing.T) {
	e := newEnv(t)
	dir := testutil.WriteTree(t, map[string]string{"Dockerfile": "FROM busybox\nHEALTHCHECK --interval=200ms --retries=1 CMD [\"test\", \"-e\", \"/etc/passwd\"]\n"})
	e.Must("build", "-t", "checked", dir)
	e.Must("run", "-d", "--name", "img", "checked", "sleep", "100")
	e.waitHealth("img", "healthy", 10*time.Second)
	if got := e.Inspect("img", "{{json .Config.Healthcheck}}"); got != `{"Test":["CMD","test","-e","/etc/passwd"],"Interval":200000000,"Retries":1}` {
		t.Errorf("Config.Healthcheck: %s", got)
	}
	e.Must("run", "-d", "--name", "over", "--health-cmd", "exit 1", "checked", "sleep", "100")
	e.waitHealth("over", "unhealthy", 10*time.Second)
	e.Must("run", "-d", "--name", "off", "--no-healthcheck", "checked", "sleep", "100")
	time.Sleep(500 * time.Millisecond)
	if got := e.Inspect("off", "{{json .State.Health}}"); got != "null" {
		t.Errorf("--no-healthcheck: State.Health %s", got)
	}
	if got := strings.TrimSpace(e.Must("ps", "--format", "{{.Names}} {{.Status}}", "--filter", "health=none")); !strings.HasPrefix(got, "off Up ") || strings.Contains(got, "(") {
		t.Errorf("--no-healthcheck in ps: %q", got)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--health-interval", "500us"}, "Interval in Healthcheck cannot be less than 1ms"},
		{[]string{"--health-timeout", "10ns"}, "Timeout in Healthcheck cannot be less than 1ms"},
		{[]string{"--health-start-period", "1us"}, "StartPeriod in Healthcheck cannot be less than 1ms"},
		{[]string{"--health-interval", "-1s"}, "--health-interval cannot be negative"},
		{[]string{"--health-retries", "-1"}, "--health-retries cannot be negative"},
		{[]string{"--no-healthcheck", "--health-cmd", "true"}, "--no-healthcheck conflicts with --health-* options"},
		{[]string{"--health-interval", "often"}, "invalid argument \"often\" for \"--health-interval\" flag"},
	} {
		r := e.Run(append(append([]string{"run"}, c.args...), "busybox", "true")...)
		if r.ExitCode != 125 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("run %v: exit %d, %q; want 125 and %q", c.args, r.ExitCode, r.Stderr, c.want)
		}
	}
	// Docker's create: the daemon's refusal exits 1, the CLI's 125.
	if r := e.Run("create", "--health-interval", "500us", "busybox", "true"); r.ExitCode != 1 {
		t.Errorf("create --health-interval 500us: exit %d, want 1", r.ExitCode)
	}
	if got := strings.Fields(e.Must("ps", "-aq")); len(got) != 3 {
		t.Errorf("refused runs left containers: %v", got)
	}
}

// TestHealthForeground: a foreground run's monitor (Go, no idle loop)
// probes too.
func TestHealthForeground(t *testing.T) {
	e := newEnv(t)
	cmd := e.Cmd("run", "--name", "fg", "--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "4")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	testutil.Eventually(t, 5*time.Second, func() bool {
		return strings.TrimSpace(e.Run("inspect", "-f", "{{.State.Status}}", "fg").Stdout) == "running"
	}, func() string { return "the foreground run never reached running" })
	e.waitHealth("fg", "healthy", 3*time.Second)
	if err := cmd.Wait(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
		t.Errorf("foreground run: %v", err)
	}
}

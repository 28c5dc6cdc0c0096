package engine_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

// untilNow is an --until just past now: Docker's durations count whole
// seconds, so "0s" would miss the events of this second.
func untilNow() string { return strconv.FormatInt(time.Now().Unix()+1, 10) }

// waitEvents polls the log until format's lines for filters include want.
func (e *env) waitEvents(want string, args ...string) string {
	e.T.Helper()
	var got string
	testutil.Eventually(e.T, 10*time.Second, func() bool {
		got = e.Must(append([]string{"events", "--since", "1h", "--until", untilNow()}, args...)...)
		return strings.Contains(got, want)
	}, func() string { return fmt.Sprintf("events %v never showed %q; got:\n%s", args, want, got) })
	return got
}

func TestEventsLifecycle(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	e.Must("create", "--name", "ev", "--label", "tier=web", "busybox", "sh", "-c", "trap 'exit 0' TERM; sleep 100 & wait")
	e.Must("start", "ev")
	if r := e.Run("exec", "ev", "sh", "-c", "exit 4"); r.ExitCode != 4 {
		t.Fatalf("exec: exit %d %s", r.ExitCode, r.Stderr)
	}
	e.Must("pause", "ev")
	e.Must("unpause", "ev")
	e.Must("kill", "-s", "USR1", "ev")
	e.Must("stop", "ev")
	e.Must("rename", "ev", "ev2")
	e.Must("rm", "ev2")
	f := []string{"--filter", "type=container", "--format", "{{.Action}} {{.Actor.Attributes.name}} {{.Actor.Attributes.tier}} {{.Actor.Attributes.exitCode}}{{.Actor.Attributes.signal}}"}
	got := e.waitEvents("destroy", f...)
	want := `create ev web <no value><no value>
start ev web <no value><no value>
exec_create: sh -c exit 4 ev web <no value><no value>
exec_start: sh -c exit 4 ev web <no value><no value>
exec_die ev web 4<no value>
pause ev web <no value><no value>
unpause ev web <no value><no value>
kill ev web <no value>10
kill ev web <no value>15
die ev web 0<no value>
stop ev web <no value><no value>
rename ev2 web <no value><no value>
destroy ev2 web <no value><no value>
`
	if got != want {
		t.Errorf("container events:\n%s\nwant:\n%s", got, want)
	}
	// Docker's JSON, with 20.10's status, id and from.
	line := e.Must("events", "--since", "1h", "--until", untilNow(), "--filter", "event=die", "--format", "{{json .}}")
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatalf("json: %v: %q", err, line)
	}
	actor, _ := m["Actor"].(map[string]any)
	if m["status"] != "die" || m["from"] != "busybox" || m["Type"] != "container" || m["scope"] != "local" ||
		m["id"] != actor["ID"] || m["timeNano"] == nil || len(actor["ID"].(string)) != 64 {
		t.Errorf("die as JSON: %s", line)
	}
	// Filters: same key OR, different keys AND; image events by name.
	if got := e.Must("events", "--since", "1h", "--until", untilNow(), "--filter", "event=pause", "--filter", "event=unpause",
		"--filter", "container=ev", "--format", "{{.Action}}"); got != "pause\nunpause\n" {
		t.Errorf("event OR, container AND: %q", got)
	}
	if got := e.Must("events", "--since", "1h", "--until", untilNow(), "--filter", "image=busybox", "--filter", "type=image",
		"--format", "{{.Type}} {{.Action}} {{.Actor.ID}}"); got != "image pull busybox:latest\n" {
		t.Errorf("image filter: %q", got)
	}
	if got := e.Must("events", "--since", "1h", "--until", untilNow(), "--filter", "label=tier=web", "--filter", "event=create",
		"--format", "{{.Action}}"); got != "create\n" {
		t.Errorf("label filter: %q", got)
	}
	if got := e.Must("events", "--since", "1h", "--until", untilNow(), "--filter", "network=bridge", "--format", "{{.Action}}"); got != "create\nconnect\ndisconnect\n" {
		t.Errorf("network filter: %q", got)
	}
	// The default line, as Docker's.
	line = e.Must("events", "--since", "1h", "--until", untilNow(), "--filter", "event=rename")
	if !strings.Contains(line, " container rename ") || !strings.HasSuffix(line, "(image=busybox, name=ev2, oldName=/ev, tier=web)\n") {
		t.Errorf("default line: %q", line)
	}
	for _, bad := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--filter", "bogus=1"}, 1, "invalid filter 'bogus'"},
		{[]string{"--filter", "noequals"}, 125, "bad format of filter"},
		{[]string{"--since", "yesterday"}, 1, `failed to parse value as time or duration: "yesterday"`},
		{[]string{"--since", "2026-13-01"}, 1, "month out of range"},
		{[]string{"--since", "100", "--until", "50"}, 1, "cannot be after"},
	} {
		r := e.Run(append([]string{"events"}, bad.args...)...)
		if r.ExitCode != bad.code || !strings.Contains(r.Stderr, bad.msg) || strings.Count(strings.TrimSpace(r.Stderr), "\n") > 1 {
			t.Errorf("events %v: exit %d %q", bad.args, r.ExitCode, r.Stderr)
		}
	}
}

// TestEventsFromMonitor: the monitor logs die (with the exit code), oom and
// the restarts' starts, with no berth command running.
func TestEventsFromMonitor(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "hog", "-m", "8m", "--memory-swap", "8m", "busybox", "sh", "-c", "sleep 0.3; tail /dev/zero")
	got := e.waitEvents("die", "--filter", "container=hog", "--format", "{{.Action}} {{.Actor.Attributes.exitCode}}")
	if !strings.HasSuffix(got, "oom <no value>\ndie 137\n") {
		t.Errorf("OOM kill: %q", got)
	}
	e.Must("run", "-d", "--name", "flap", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3")
	got = e.waitEvents("start <no value>\ndie 3\nstart <no value>\ndie 3\nstart <no value>\ndie 3\n", "--filter", "container=flap", "--filter", "event=start", "--filter", "event=die",
		"--format", "{{.Action}} {{.Actor.Attributes.exitCode}}")
	if strings.Count(got, "die 3") != 3 {
		t.Errorf("restarts: %q", got)
	}
	// rm -f kills the monitor first; rm logs the kill and die itself.
	e.Must("run", "-d", "--name", "forced", "busybox", "sleep", "100")
	e.Must("rm", "-f", "forced")
	got = e.waitEvents("destroy", "--filter", "container=forced", "--filter", "type=container",
		"--format", "{{.Action}} {{.Actor.Attributes.signal}}{{.Actor.Attributes.exitCode}}")
	if want := "create <no value><no value>\nstart <no value><no value>\nkill 9<no value>\ndie <no value>137\ndestroy <no value><no value>\n"; got != want {
		t.Errorf("rm -f: %q, want %q", got, want)
	}
}

// TestEventsDetachedExec: exec -d returns at once, and the exec's waiter
// logs exec_die with the exit code when the process ends, as dockerd does;
// with -t too. A program that is not there fails the exec itself.
func TestEventsDetachedExec(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "dx", "busybox", "sleep", "100")
	id := strings.TrimSpace(e.Must("inspect", "-f", "{{.Id}}", "dx"))
	e.Must("exec", "-d", "dx", "sh", "-c", "sleep 0.5; exit 7")
	e.Must("exec", "-dt", "dx", "sh", "-c", "echo to nowhere; exit 3")
	if r := e.Run("exec", "-d", "dx", "/no/such/program"); r.ExitCode != 126 || !strings.Contains(r.Stderr, "/no/such/program") {
		t.Errorf("exec -d of a missing program: exit %d, stderr %q; want 126 naming it", r.ExitCode, r.Stderr)
	}
	f := []string{"--filter", "container=dx", "--filter", "event=exec_die", "--format", "{{.Actor.Attributes.exitCode}}"}
	got := e.waitEvents("7", f...)
	if got != "3\n7\n" {
		t.Errorf("exec_die exit codes: %q, want the -t one (3) then the -d one (7)", got)
	}
	// The waiters are gone with their processes.
	testutil.Eventually(t, 5*time.Second, func() bool {
		return !strings.Contains(e.Must("top", "dx", "-o", "pid,args"), "sh -c")
	}, func() string { return "exec'd processes still running: " + e.Must("top", "dx") })
	e.Must("rm", "-f", id)
}

// TestEventsFollow: a follower sees an event another berth process logs,
// and ends with exit 0 on Ctrl-C.
func TestEventsFollow(t *testing.T) {
	e := newEnv(t)
	e.Must("pull", "busybox")
	cmd := e.Cmd("events", "--filter", "event=create", "--format", "{{.Actor.Attributes.name}}")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 4)
	go func() {
		s := bufio.NewScanner(out)
		for s.Scan() {
			lines <- s.Text()
		}
		close(lines)
	}()
	// The follower shows only events logged after it started, and nothing
	// says when it has: create until it prints one of them.
	created := map[string]bool{}
	var l string
	for deadline := time.Now().Add(10 * time.Second); l == "" && time.Now().Before(deadline); {
		name := fmt.Sprintf("followed%d", len(created))
		e.Must("create", "--name", name, "busybox", "true")
		created[name] = true
		select {
		case l = <-lines:
		case <-time.After(200 * time.Millisecond):
		}
	}
	if !created[l] {
		t.Errorf("follower printed %q, want one of the creates %v", l, created)
	}
	cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Errorf("events after Ctrl-C: %v", err)
	}
}

// TestEventsTornLog: a log whose last record was cut short and with
// garbage in the middle is read past both, and written to afterwards.
func TestEventsTornLog(t *testing.T) {
	e := newEnv(t)
	e.Must("volume", "create", "v1")
	e.Must("volume", "create", "v2")
	path := filepath.Join(e.Root, "events", "events.log")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half := len(b) / 2 // two records of equal size: v2's starts here
	torn := append(append(append([]byte{}, b[:half]...), "\xffbev\x10\x00junk"...), b[half:len(b)-5]...)
	if err := os.WriteFile(path, torn, 0o600); err != nil {
		t.Fatal(err)
	}
	e.Must("volume", "create", "v3")
	got := e.Must("events", "--since", "1h", "--until", untilNow(), "--format", "{{.Actor.ID}}")
	if got != "v1\nv3\n" {
		t.Errorf("after a torn record: %q, want v1 and v3", got)
	}
	// A log that cannot be written does not fail the command.
	os.Remove(path)
	if err := os.Symlink("/dev/full", path); err != nil {
		t.Fatal(err)
	}
	if r := e.Run("volume", "create", "v4"); r.ExitCode != 0 || r.Stderr != "" {
		t.Errorf("volume create with a full event log: exit %d %q", r.ExitCode, r.Stderr)
	}
}

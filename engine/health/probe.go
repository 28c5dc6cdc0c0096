package health

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/internal/fds"
)

// Running the probes, without a daemon. The container's monitor owns the
// schedule; each probe is a short-lived berth process in "health" mode:
//
//	monitor (C idle loop: a timerfd; Go: a timer)
//	  | fork + execve berth, $_BERTH_HEALTH=1, fd 3 = report pipe
//	  v
//	berth health: record -> exec the test in the container (as berth exec,
//	  killed at its timeout) -> record the result (record.Health.Record) ->
//	  health_status event on a change -> writes the next wait in ms to fd 3
//
// so the idle monitor stays the small C loop (it only keeps a timer and
// reads one line), and a probe costs what berth exec costs. Probes never
// overlap: the next wait starts when the previous probe has reported.

// Env marks a monitor process as one probe.
const Env = "_BERTH_HEALTH"

// ErrTimeout is what an ExecFunc returns for a probe that ran past its
// timeout and was killed.
var ErrTimeout = errors.New("health check timed out")

// errStaleProbe: the container restarted (or lost its healthcheck) while
// the probe ran; its result belongs to no run.
var errStaleProbe = errors.New("the container restarted during the probe")

// ExecFunc runs argv in container c as berth exec does, its stdout and
// stderr to out, killed past timeout (then ErrTimeout); it returns the
// exit code.
type ExecFunc func(c *record.Container, argv []string, timeout time.Duration, out io.Writer) (int, error)

// Prober runs the probes of the containers of one record store.
type Prober struct {
	Records *store.Store
	Exec    ExecFunc
	// Emit logs a health_status event; nil for none.
	Emit func(c *record.Container, action string)
	// Command is the health-mode berth process that probes container id
	// once (Main in it), its report pipe to be added as fd 3.
	Command func(id string) (*exec.Cmd, error)
}

func (p *Prober) emit(c *record.Container, action string) {
	if p.Emit != nil {
		p.Emit(c, action)
	}
}

// Main is a health-mode process's life: one probe of container id,
// its report on fd 3.
func (p *Prober) Main(id string) int {
	fds.CloseInherited(4) // what the monitor holds stays with it
	report := os.NewFile(3, "report")
	defer report.Close()
	c, err := p.Records.Get(id)
	if err != nil {
		fmt.Fprintln(os.Stderr, "berth health:", err)
		return 1
	}
	hc := c.Config.Healthcheck
	if !Probing(hc) {
		return 0
	}
	next := Next(hc, c.State.Health, c.State.StartedAt, time.Now())
	defer func() {
		if _, err := fmt.Fprintf(report, "%d\n", next.Milliseconds()); err != nil {
			slog.Debug("health check: report the next probe to the monitor", "id", c.ID, "error", err)
		}
	}()
	if !c.Running() || c.State.Health == nil {
		return 0 // going: no probe then
	}
	var r record.HealthResult
	if c.State.Status == record.StatusPaused {
		// Docker's probe is an exec, which a paused container refuses:
		// each one fails, and the container turns unhealthy.
		now := time.Now().UTC()
		r = record.HealthResult{Start: now, End: now, ExitCode: -1,
			Output: "Container " + c.ID + " is paused, unpause the container before exec"}
	} else {
		r = p.Run(c, hc)
	}
	var changed bool
	rec, err := p.Records.Modify(id, func(x *record.Container) error {
		if x.State.Health == nil || !x.State.StartedAt.Equal(c.State.StartedAt) || !Probing(x.Config.Healthcheck) {
			return errStaleProbe
		}
		changed = x.State.Health.Record(hc, r, x.State.StartedAt)
		return nil
	})
	if err != nil {
		if !errors.Is(err, errStaleProbe) && !errors.Is(err, store.ErrNotFound) {
			slog.Warn("record health check", "id", id, "error", err)
		}
		return 0
	}
	next = Next(hc, rec.State.Health, rec.State.StartedAt, time.Now())
	if changed {
		p.emit(rec, "health_status: "+rec.State.Health.Status)
	}
	return 0
}

// Run execs hc's test in c as berth exec does and reads its result:
// exit code and output (cut as Docker's), -1 when it could not run or ran
// past its timeout.
func (p *Prober) Run(c *record.Container, hc *record.HealthConfig) record.HealthResult {
	timeout := orDefault(hc.Timeout, defaultProbeTimeout)
	r := record.HealthResult{Start: time.Now().UTC()}
	pr, pw, err := os.Pipe()
	if err != nil {
		r.End, r.ExitCode, r.Output = time.Now().UTC(), -1, err.Error()
		return r
	}
	defer pr.Close()
	var out output
	copied := make(chan struct{})
	go func() {
		// A read error ends the output early; what was read is the log.
		_, _ = io.Copy(&out, pr)
		close(copied)
	}()
	code, err := p.Exec(c, Argv(hc), timeout, pw)
	pw.Close()
	// A process the test left behind may hold the pipe: do not wait on it.
	if err := pr.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		slog.Debug("health check: bound the output read", "id", c.ID, "error", err)
	}
	<-copied
	r.End = time.Now().UTC()
	switch {
	case errors.Is(err, ErrTimeout):
		r.ExitCode, r.Output = -1, fmt.Sprintf("Health check exceeded timeout (%v)", timeout)
	case err != nil:
		r.ExitCode, r.Output = -1, err.Error()
	default:
		r.ExitCode, r.Output = code, out.String()
	}
	return r
}

// First is the wait from a start to its first probe.
func First(hc *record.HealthConfig) time.Duration {
	now := time.Now()
	return Next(hc, nil, now, now)
}

// Watch probes c from a monitor that stays in Go (a foreground run,
// or a detached one serving attach) until stop is called.
func (p *Prober) Watch(c *record.Container) (stop func()) {
	if !Probing(c.Config.Healthcheck) {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		wait := First(c.Config.Healthcheck)
		for {
			select {
			case <-done:
				return
			case <-time.After(wait):
			}
			wait = p.Spawn(c, wait)
		}
	}()
	return func() { close(done) }
}

// Spawn runs one health-mode berth and returns the wait it reports
// (last if it reports none). It is not waited for: the monitor's signal
// forwarder reaps every child, so the end of the report pipe tells that
// it is done.
func (p *Prober) Spawn(c *record.Container, last time.Duration) time.Duration {
	cmd, err := p.Command(c.ID)
	if err != nil {
		slog.Warn("health check", "id", c.ID, "error", err)
		return last
	}
	r, w, err := os.Pipe()
	if err != nil {
		slog.Warn("health check", "id", c.ID, "error", err)
		return last
	}
	defer r.Close()
	cmd.ExtraFiles = []*os.File{w}
	cmd.Dir = "/"
	err = cmd.Start()
	w.Close()
	if err != nil {
		slog.Warn("start a health check", "id", c.ID, "error", err)
		return last
	}
	_ = cmd.Process.Release() // never waited for: the monitor reaps every child; the pipe tells the end
	data, err := io.ReadAll(r)
	if err != nil {
		slog.Warn("health check: read the probe's report", "id", c.ID, "error", err)
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil || ms <= 0 {
		return last
	}
	return time.Duration(ms) * time.Millisecond
}

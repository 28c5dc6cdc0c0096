package containers

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/moby/moby/api/types/container"

	"github.com/berth-containers/berth/api/router"
	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/engine/store"
	"github.com/berth-containers/berth/image"
)

// containerLogs is GET /containers/{id}/logs: the multiplexed stream
// unless the container has a terminal.
func (s *containersAPI) containerLogs(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !router.BoolQuery(r, "stdout") && !router.BoolQuery(r, "stderr") {
		return router.BadRequest("Bad parameters: you must choose at least one stream")
	}
	o := engine.LogsOptions{Follow: router.BoolQuery(r, "follow"), Timestamps: router.BoolQuery(r, "timestamps"), Tail: -1}
	if t := r.URL.Query().Get("tail"); t != "" && t != "all" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return router.BadRequest("invalid tail %q: a number or all", t)
		}
		o.Tail = n
	}
	for name, dst := range map[string]*time.Time{"since": &o.Since, "until": &o.Until} {
		if v := r.URL.Query().Get(name); v != "" && v != "0" {
			sec, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return router.BadRequest("invalid %s %q: a Unix time in seconds", name, v)
			}
			*dst = time.Unix(0, int64(sec*1e9))
		}
	}
	o.Done = r.Context().Done()
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		w.Header().Set("Content-Type", "application/vnd.docker.raw-stream")
		w.WriteHeader(http.StatusOK)
		fw := router.NewFlushWriter(w)
		fw.F.Flush()
		stdout, stderr := router.Outputs(fw, c.Config.Tty)
		if !router.BoolQuery(r, "stdout") {
			stdout = io.Discard
		}
		if !router.BoolQuery(r, "stderr") {
			stderr = io.Discard
		}
		return e.Logs(c.ID, o, stdout, stderr)
	})
}

// waitContainer is POST /containers/{id}/wait. Conditions: not-running
// (the default) returns at once for a stopped container; next-exit waits
// for the exit after this call, across a start still to come (docker run
// waits before it starts); removed waits until the record is gone.
func (s *containersAPI) waitContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	cond := r.URL.Query().Get("condition")
	switch cond {
	case "", "not-running", "next-exit", "removed":
	default:
		return router.BadRequest("invalid condition: %q", cond)
	}
	return s.WithContainer(id, func(e *engine.Engine, c *record.Container) error {
		s.waits.add(c.ID)
		defer s.waits.done(c.ID)
		return waitResponse(w, r, e, s.Opts.Root, c, cond)
	})
}

func waitResponse(w http.ResponseWriter, r *http.Request, e *engine.Engine, root string, c *record.Container, cond string) error {
	release := func() {}
	if c.HostConfig.AutoRemove {
		var err error
		if release, err = e.HoldRemoval(c.ID); err != nil {
			return err
		}
	}
	// Docker sends the header at once: a client knows the wait is in place
	// before it starts the container.
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	router.NewFlushWriter(w).F.Flush()
	code, err := waitFor(r.Context(), e, root, c, cond, release)
	resp := container.WaitResponse{StatusCode: int64(code)}
	if err != nil {
		resp.Error = &container.WaitExitError{Message: err.Error()}
	}
	return jsonLine(w, resp)
}

func jsonLine(w io.Writer, v any) error {
	return router.WriteJSONTo(w, v)
}

// waitFor follows the record until cond holds and returns the exit code;
// release lets a --rm container go once its exit is read.
func waitFor(ctx context.Context, e *engine.Engine, root string, c *record.Container, cond string, release func()) (int, error) {
	started, finished := c.State.StartedAt, c.State.FinishedAt
	last := c
	var once sync.Once
	defer once.Do(release)
	w := newRecordWatch(e, root)
	for {
		cur, err := w.get(c.ID)
		if errors.Is(err, store.ErrNotFound) {
			return last.State.ExitCode, nil
		}
		if err != nil {
			return 0, err
		}
		last = cur
		stopped := !cur.Running() && cur.State.Status != record.StatusRestarting
		ran := !cur.State.FinishedAt.Equal(finished) || cur.State.StartedAt.After(started) && stopped
		if ran && stopped && !cur.State.FinishedAt.IsZero() {
			once.Do(release) // the exit is read: removed may come
		}
		switch cond {
		case "", "not-running":
			if stopped {
				return cur.State.ExitCode, nil
			}
		case "next-exit":
			if ran && stopped && !cur.State.FinishedAt.IsZero() {
				return cur.State.ExitCode, nil
			}
		}
		if !w.wait(ctx.Done()) {
			return 0, ctx.Err()
		}
	}
}

// resizeContainer sets the terminal size through the monitor.
func (s *containersAPI) resizeContainer(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	h, wd, err := router.SizeQuery(r)
	if err != nil {
		return err
	}
	return s.WithEngine(func(e *engine.Engine, _ *image.Service) error {
		a, err := e.DialAttach(id, engine.StreamOptions{})
		if err != nil {
			return router.ContainerErr(id, err)
		}
		defer a.Close()
		if err := a.Resize(uint16(h), uint16(wd)); err != nil {
			return err
		}
		w.WriteHeader(http.StatusOK)
		return nil
	})
}

// attachContainer is the hijacked attach. A running container's output
// comes from its monitor from now on. For one not started yet (docker run
// attaches first, then starts) it comes from the log, opened now, so no
// byte of its first moments is lost and --rm deleting the log after the
// exit takes nothing from us; stdin goes through the monitor once it runs.
func (s *containersAPI) attachContainer(w http.ResponseWriter, r *http.Request) error {
	return s.WithContainer(r.PathValue("id"), func(e *engine.Engine, c *record.Container) error {
		return attach(w, r, e, s.Opts.Root, c)
	})
}

func attach(w http.ResponseWriter, r *http.Request, e *engine.Engine, root string, c *record.Container) error {
	a, err := newAttachment(r, e, root, c)
	if err != nil {
		return err
	}
	defer a.close()
	conn, err := router.Hijack(w, r)
	if err != nil {
		return err
	}
	defer conn.Close()
	a.conn = conn
	// dockerd logs each attach, streamed or not (docker run's comes
	// between create and start).
	e.EmitAttach(c.ID)
	a.run(r)
	return nil
}

// newAttachment is an attach's options from its query; a container not
// running yet has its log opened now (see attachContainer).
func newAttachment(r *http.Request, e *engine.Engine, root string, c *record.Container) (*attachment, error) {
	a := &attachment{e: e, root: root, c: c, stdin: router.BoolQuery(r, "stdin") && c.Config.OpenStdin,
		stdout: router.BoolQuery(r, "stdout"), stderr: router.BoolQuery(r, "stderr"), logs: router.BoolQuery(r, "logs")}
	if !c.Running() && router.BoolQuery(r, "stream") {
		var err error
		if a.log, err = e.OpenLog(c.ID); err != nil {
			return nil, err
		}
	}
	return a, nil
}

func (a *attachment) close() {
	if a.log != nil {
		a.log.Close()
	}
}

// run sends the logs first if asked, then the stream if asked.
func (a *attachment) run(r *http.Request) {
	if a.logs {
		out, errw := a.writers()
		a.e.Logs(a.c.ID, engine.LogsOptions{Tail: -1}, out, errw)
	}
	if router.BoolQuery(r, "stream") {
		a.serve()
	}
}

type attachment struct {
	e    *engine.Engine
	root string // the engine's, for its metadata database
	c    *record.Container
	conn io.ReadWriteCloser // the hijacked connection, or a websocket
	// raw: the output is not multiplexed even without a terminal (a
	// websocket's messages carry stdout and stderr as they come).
	raw                         bool
	log                         *os.File
	stdin, stdout, stderr, logs bool
}

func (a *attachment) writers() (io.Writer, io.Writer) {
	out, errw := router.Outputs(a.conn, a.c.Config.Tty || a.raw)
	if !a.stdout {
		out = io.Discard
	}
	if !a.stderr {
		errw = io.Discard
	}
	return out, errw
}

func (a *attachment) serve() {
	gone := make(chan struct{})
	if !a.stdin {
		// Nothing to read but the end. Docker's CLI half-closes at once
		// when it sends no stdin, so EOF is no hang-up; a reset is.
		go func() {
			if _, err := io.Copy(io.Discard, a.conn); err != nil {
				close(gone)
			}
		}()
	}
	if a.log != nil {
		a.fromLog(gone)
		return
	}
	st, err := a.e.DialAttach(a.c.ID, engine.StreamOptions{Stdin: a.stdin, Stdout: a.stdout, Stderr: a.stderr, CloseStdin: a.c.Config.StdinOnce})
	if err != nil {
		return
	}
	defer st.Close()
	if a.stdin {
		go a.copyStdin(st)
	}
	go func() {
		a.e.Wait(context.Background(), a.c.ID)
		time.Sleep(200 * time.Millisecond) // its last output is in the socket by now
		st.Close()
	}()
	out, errw := a.writers()
	for {
		kind, p, err := st.Read()
		if err != nil {
			return
		}
		w := out
		if kind == router.StreamStderr {
			w = errw
		}
		if _, err := w.Write(p); err != nil {
			return // the client went
		}
	}
}

func (a *attachment) copyStdin(st *engine.AttachStream) {
	buf := make([]byte, 32<<10)
	for {
		n, err := a.conn.Read(buf)
		if n > 0 && st.WriteStdin(buf[:n]) != nil {
			return
		}
		if err != nil {
			if a.c.Config.StdinOnce {
				st.WriteStdin(nil)
			}
			return
		}
	}
}

// fromLog follows the log opened before the start until the container
// has run and stopped (or is gone), feeding stdin once it runs.
func (a *attachment) fromLog(gone <-chan struct{}) {
	out, errw := a.writers()
	lr := &logReader{r: bufio.NewReaderSize(a.log, 64<<10)}
	var werr error
	emit := func(l logLine) {
		w := out
		if l.Stream == "stderr" {
			w = errw
		}
		if werr == nil {
			_, werr = w.Write([]byte(l.Log))
		}
	}
	started, stdinDone := a.c.State.StartedAt, !a.stdin
	w := newRecordWatch(a.e, a.root)
	for {
		if lr.next(emit) {
			if werr != nil {
				return // the client went
			}
			continue
		}
		if w.changed() {
			cur, err := w.get(a.c.ID)
			if err != nil {
				lr.next(emit)
				return // removed after its exit (--rm): the log had all
			}
			if cur.State.StartedAt.After(started) || cur.Running() {
				if !stdinDone && cur.Running() {
					if st, err := a.e.DialAttach(cur.ID, engine.StreamOptions{Stdin: true, CloseStdin: cur.Config.StdinOnce}); err == nil {
						defer st.Close()
						go a.copyStdin(st)
					}
					stdinDone = true
				}
				if !cur.Running() && cur.State.Status != record.StatusRestarting {
					lr.next(emit)
					return
				}
			}
		}
		select {
		case <-gone:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/berth-containers/berth/bench/internal/daemons"
)

// times are one server's measured durations.
type times map[string][]time.Duration

func (t times) median(name string) time.Duration { return pct(t[name], 50) }
func (t times) p90(name string) time.Duration    { return pct(t[name], 90) }

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, (len(s)*p)/100)]
}

// timed runs c and returns its wall time.
func timed(c *exec.Cmd) (time.Duration, error) {
	var errb bytes.Buffer
	c.Stdout, c.Stderr = io.Discard, &errb
	start := time.Now()
	err := c.Run()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("%s: %w: %s", strings.Join(c.Args, " "), err, errb.String())
	}
	return d, nil
}

// settle waits until the processes a run left (shims, conmon and its
// cleanup, berth's monitor) are gone, so no run pays for the one before;
// base are the servers' own long-lived processes.
func settle(base map[int]bool, servers []*daemons.Daemon) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		daemons.ReapOrphans(servers...)
		var extra []string
		for pid := range daemons.Descendants() {
			if !base[pid] {
				extra = append(extra, fmt.Sprintf("%d (%s)", pid, daemons.Cmdline(pid)))
			}
		}
		if len(extra) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes still running 10s after a run: %s", strings.Join(extra, ", "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// benchRun times `docker run --rm --network none busybox true` through
// each server, the servers in turn, the first of each round rotating.
func benchRun(cfg config, servers []*daemons.Daemon) (times, error) {
	out := times{}
	base := daemons.Descendants()
	for i := range cfg.warmup + cfg.runs {
		for k := range servers {
			s := servers[(i+k)%len(servers)]
			if err := settle(base, servers); err != nil {
				return nil, err
			}
			d, err := timed(s.Docker("run", "--rm", "--network", "none", "busybox", "true"))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			if i >= cfg.warmup {
				out[s.Name] = append(out[s.Name], d)
			}
		}
	}
	return out, settle(base, servers)
}

// benchPs creates cfg.containers containers on each server through its
// API, then times `docker ps -a` on each, interleaved.
func benchPs(cfg config, servers []*daemons.Daemon, dir string) (times, error) {
	for _, s := range servers {
		c := s.Client()
		for range cfg.containers {
			body := `{"Image":"busybox","Cmd":["true"],"HostConfig":{"NetworkMode":"none"}}`
			resp, err := c.Post("http://d/v1.41/containers/create", "application/json", strings.NewReader(body))
			if err != nil {
				return nil, fmt.Errorf("%s: create: %w", s.Name, err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				return nil, fmt.Errorf("%s: create: status %d: %s", s.Name, resp.StatusCode, msg)
			}
		}
	}
	out := times{}
	for i := range 2 + cfg.psRuns {
		for k := range servers {
			s := servers[(i+k)%len(servers)]
			d, err := timed(s.Docker("ps", "-a"))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.Name, err)
			}
			if i >= 2 {
				out[s.Name] = append(out[s.Name], d)
			}
		}
	}
	floor, err := psFloor(cfg, servers[0], dir)
	if err != nil {
		return nil, err
	}
	out["CLI floor"] = floor
	for _, s := range servers {
		if err := s.RemoveContainers(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/berth-containers/berth/bench/internal/benchstat"
	"github.com/berth-containers/berth/internal/eventlog"
)

// benchEvents logs n container events (as a busy host's: 64-hex IDs,
// image, name and a label each) and times `berth events --since X --until
// Y` over them, printing every one (target < 1 s), and the same read with
// a filter that keeps one container's (the cost of reading alone).
func benchEvents(b *bench, n int) error {
	l := eventlog.Open(filepath.Join(b.dir, "root"))
	start := time.Now().Add(-time.Hour)
	actions := []string{"create", "start", "die", "destroy"}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("%064x", i/4)
		attrs := map[string]string{"image": "busybox", "name": "c" + strconv.Itoa(i/4), "com.example.tier": "web"}
		if actions[i%4] == "die" {
			attrs["exitCode"] = "0"
		}
		ev := eventlog.Event{Type: eventlog.Container, Action: actions[i%4], Actor: eventlog.Actor{ID: id, Attributes: attrs},
			Time: start.Add(time.Duration(i) * time.Millisecond)}
		if err := l.Append(ev); err != nil {
			return err
		}
	}
	// An --until in the past: one at or after now follows the log until
	// then, as Docker's does.
	since := strconv.FormatInt(start.Unix(), 10)
	until := strconv.FormatInt(start.Add(time.Duration(n)*time.Millisecond).Unix()+1, 10)
	for _, c := range []struct {
		what string
		args []string
	}{
		{"every event, default line", nil},
		{"every event, {{json .}}", []string{"--format", "{{json .}}"}},
		{"filtered to one container", []string{"--filter", "container=c12345"}},
	} {
		var ts, cpu []time.Duration
		lines := 0
		for i := 0; i < 5; i++ {
			cmd := b.cmd(append([]string{"events", "--since", since, "--until", until}, c.args...)...)
			out, err := cmd.StdoutPipe()
			if err != nil {
				return err
			}
			t0 := time.Now()
			if err := cmd.Start(); err != nil {
				return err
			}
			data, _ := io.ReadAll(out)
			if err := cmd.Wait(); err != nil {
				return fmt.Errorf("berth events: %w", err)
			}
			ts = append(ts, time.Since(t0))
			cpu = append(cpu, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
			lines = strings.Count(string(data), "\n")
		}
		fmt.Printf("events --since over %d logged events, %s (%d lines), median of 5:\n  berth   %8v, CPU %v (target < 1s)\n",
			n, c.what, lines, benchstat.Median(ts).Round(time.Millisecond), benchstat.Median(cpu).Round(time.Millisecond))
	}
	st, err := os.Stat(filepath.Join(eventlog.Dir(filepath.Join(b.dir, "root")), "events.log"))
	if err == nil {
		fmt.Printf("  log size %d MiB\n", st.Size()>>20)
	}
	return nil
}

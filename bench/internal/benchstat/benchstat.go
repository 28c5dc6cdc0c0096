// Package benchstat holds the measuring helpers the berth benchmarks share:
// medians, the load average printed beside every figure, a process's PSS,
// an HTTP fetch timed as MB/s, and reaping orphans handed to a subreaper.
package benchstat

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Median is the middle of ds (the upper one of an even count); ds is left
// as it was.
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// Quantile is the q-th quantile (0..1) of ds by nearest rank.
func Quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration{}, ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

// MedianF is Median for float64s.
func MedianF(fs []float64) float64 {
	if len(fs) == 0 {
		return 0
	}
	s := append([]float64{}, fs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// Loadavg is the one-minute load average, printed beside figures taken on
// a shared machine.
func Loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// PSS is the proportional set size of pid in KiB (0 when it is gone or a
// zombie): shared pages are split between their users, so the figures of
// several processes add up honestly.
func PSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n
		}
	}
	return 0
}

// WriteFile makes a file of size bytes of text at path (a new file; its
// directory is made), the payload an HTTP benchmark serves.
func WriteFile(path string, size int) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	chunk := bytes.Repeat([]byte("berth-network-bench\n"), 1<<16/20+1)[:1<<16]
	for n := 0; n < size; n += len(chunk) {
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// Fetch GETs url (only ever on 127.0.0.1) and returns MB/s. A refused
// connection is retried for about 5 s, since a freshly published port may
// not answer yet; a short body is an error.
func Fetch(url string, size int64) (float64, error) {
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext}}
	var lastErr error
	for attempt := 0; attempt < 50; attempt++ {
		start := time.Now()
		resp, err := client.Get(url)
		if err != nil {
			lastErr = err
			time.Sleep(100 * time.Millisecond)
			continue
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != size {
			return 0, fmt.Errorf("GET %s: %d of %d bytes: %v", url, n, size, err)
		}
		return float64(n) / 1e6 / time.Since(start).Seconds(), nil
	}
	return 0, fmt.Errorf("GET %s: %w", url, lastErr)
}

// ReapOrphans waits for exited processes handed to this process as child
// subreaper; PID 1 on some hosts never reaps them. Call it only when no
// exec.Cmd of the caller is running, so it cannot steal a child's status.
func ReapOrphans() {
	for {
		var ws unix.WaitStatus
		if pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 || err != nil {
			return
		}
	}
}

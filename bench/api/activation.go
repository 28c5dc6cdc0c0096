package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth-containers/berth/bench/internal/daemons"
)

// activation is the socket-activated starts: the time from the client's
// connect to /_ping answered, and the service's RSS right after.
type activation struct {
	first []time.Duration
	rssKB []int
}

// benchActivation starts the service as systemd does for berth.socket:
// the listening socket exists first (made here), and the service gets it
// as fd 3 with LISTEN_FDS=1 and LISTEN_PID set to its own PID (a shell
// that execs it knows its PID before the exec, as systemd's child does).
// The client connects and sends /_ping before the service starts, as a
// client of an activated socket does; the clock runs from the connect to
// the answer. The service uses the berth server's root (only read here).
func benchActivation(cfg config, berthDir, dir string) (activation, error) {
	var out activation
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return out, err
	}
	defer os.RemoveAll(dir)
	for i := range cfg.activations + 1 {
		d, kb, err := activateOnce(cfg.berth, berthDir, filepath.Join(dir, "berth.sock"))
		if err != nil {
			return out, err
		}
		if i > 0 { // the first warms the page cache
			out.first, out.rssKB = append(out.first, d), append(out.rssKB, kb)
		}
	}
	return out, nil
}

func activateOnce(berth, berthDir, sock string) (time.Duration, int, error) {
	os.Remove(sock)
	l, err := net.Listen("unix", sock)
	if err != nil {
		return 0, 0, err
	}
	defer l.Close()
	f, err := l.(*net.UnixListener).File()
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	args := append([]string{"-c", `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=berth.socket exec "$0" "$@"`, berth},
		append(daemons.BerthRoots(berthDir), "system", "service", "--time", "0")...)
	cmd := exec.Command("/bin/sh", args...)
	cmd.ExtraFiles = []*os.File{f} // fd 3
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log

	start := time.Now()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("GET /_ping HTTP/1.1\r\nHost: berth\r\n\r\n")); err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return 0, 0, fmt.Errorf("socket-activated service: read the /_ping answer: %w: %s", err, log.String())
	}
	resp.Body.Close()
	took := time.Since(start)
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("socket-activated service: /_ping: status %d", resp.StatusCode)
	}
	time.Sleep(200 * time.Millisecond)
	kb, err := rss(cmd.Process.Pid)
	return took, kb, err
}

// trimAfter is api's: how long the service waits without a request
// before it gives memory back.
const trimAfter = 10 * time.Second

// idleRSS waits until the service has been idle past trimAfter since
// from, then reads its RSS (KiB) for a few seconds and returns the least:
// on a loaded host giving pages back takes a moment.
func idleRSS(pid int, from time.Time) (int, error) {
	time.Sleep(time.Until(from.Add(trimAfter + 2*time.Second)))
	least := 0
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		kb, err := rss(pid)
		if err != nil {
			return 0, err
		}
		if least == 0 || kb < least {
			least = kb
		}
	}
	return least, nil
}

// rss is a process's resident set in KiB, from /proc/PID/smaps_rollup.
func rss(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "Rss:" {
			return strconv.Atoi(f[1])
		}
	}
	return 0, errors.New("no Rss in smaps_rollup of " + strconv.Itoa(pid))
}

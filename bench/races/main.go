// Command races counts the failures of issue 19's two loops, too long for
// a test at 200 cycles (each takes about 160 s on this 2-core machine;
// test/engine's TestRestartRace, TestStartAfterExitRace and
// TestCreateStartRace run 30):
//
//   - restart: `berth restart -t 0` of a running container whose shell
//     checks it has eth0, N times; each must exit 0;
//   - create/start: `berth create` of a new container whose shell prints
//     "up" only with eth0, then `berth start -a`, N times; each must
//     print "up" and exit 0.
//
// Before the fix they failed with "open network namespace .../netns/<id>:
// no such file or directory" or `exec: "sh": executable file not found`
// (1 of 12 restarts, 2 of 8 create/start cycles). Run as root; everything
// lives in a temp root that is removed at the end.
//
//	go run ./bench/races -n 200
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/bench/internal/benchenv"
)

type env struct{ bin, dir string }

func main() {
	berth := flag.String("berth", "bin/berth", "berth binary")
	n := flag.Int("n", 200, "cycles of each loop")
	flag.Parse()
	if err := run(*berth, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench/races:", err)
		os.Exit(1)
	}
}

func run(berth string, n int) error {
	abs, err := filepath.Abs(berth)
	if err != nil {
		return err
	}
	dir, err := benchenv.Setup("berthraces-")
	if err != nil {
		return err
	}
	e := &env{abs, dir}
	defer e.cleanup()
	if _, _, err := e.berth("pull", "-q", "busybox"); err != nil {
		return err
	}
	if err := e.restarts(n); err != nil {
		return err
	}
	return e.createStarts(n)
}

func (e *env) restarts(n int) error {
	if _, _, err := e.berth("run", "-d", "--name", "again", "busybox", "sh", "-c", "grep -q eth0 /proc/net/dev && exec sleep 1000"); err != nil {
		return err
	}
	start, fails := time.Now(), 0
	for i := range n {
		if _, stderr, err := e.berth("restart", "-t", "0", "again"); err != nil {
			fails++
			fmt.Printf("restart %d: %v: %s\n", i, err, stderr)
		}
	}
	fmt.Printf("restart: %d of %d failed (%v)\n", fails, n, time.Since(start).Round(time.Second))
	_, _, err := e.berth("rm", "-f", "again")
	return err
}

func (e *env) createStarts(n int) error {
	start, fails := time.Now(), 0
	for i := range n {
		name := "fresh" + strconv.Itoa(i)
		if _, _, err := e.berth("create", "--name", name, "busybox", "sh", "-c", "grep -q eth0 /proc/net/dev && echo up"); err != nil {
			return err
		}
		if out, stderr, err := e.berth("start", "-a", name); err != nil || out != "up\n" {
			fails++
			fmt.Printf("create/start %d: %v: %q %s\n", i, err, out, stderr)
		}
		if _, _, err := e.berth("rm", "-f", name); err != nil {
			return err
		}
	}
	fmt.Printf("create/start: %d of %d failed (%v)\n", fails, n, time.Since(start).Round(time.Second))
	return nil
}

// berth runs berth on the temp roots: its stdout, its stderr, and an error
// for a non-zero exit.
func (e *env) berth(args ...string) (string, string, error) {
	full := append([]string{"--root", filepath.Join(e.dir, "root"), "--runroot", filepath.Join(e.dir, "run")}, args...)
	c := exec.Command(e.bin, full...)
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	if err := c.Run(); err != nil {
		return out.String(), errb.String(), fmt.Errorf("berth %s: %w", strings.Join(args, " "), err)
	}
	return out.String(), errb.String(), nil
}

// cleanup removes what is left, reaps the monitors handed to us (PID 1
// here does not) and removes the temp roots.
func (e *env) cleanup() {
	if out, _, err := e.berth("ps", "-aq", "--no-trunc"); err == nil && strings.TrimSpace(out) != "" {
		if _, stderr, err := e.berth(append([]string{"rm", "-f"}, strings.Fields(out)...)...); err != nil {
			fmt.Fprintln(os.Stderr, "bench/races: remove containers:", err, stderr)
		}
	}
	if _, stderr, err := e.berth("network", "prune", "-f"); err != nil {
		fmt.Fprintln(os.Stderr, "bench/races: remove the default bridge:", err, stderr)
	}
	for {
		var ws unix.WaitStatus
		if pid, _ := unix.Wait4(-1, &ws, unix.WNOHANG, nil); pid <= 0 {
			break
		}
	}
	if err := os.RemoveAll(e.dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench/races: remove temp root:", err)
	}
}

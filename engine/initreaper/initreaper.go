// Package initreaper is berth --init: the small PID 1 a container gets
// with --init, in the place of Docker's tini. The berth binary runs it when
// re-executed as berth-init (cmd/berth/reexec.go).
package initreaper

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"

	"golang.org/x/sys/unix"
)

// Main is --init's PID 1 inside the container, as Docker's tini: it
// runs the command after "--", forwards every signal to it, reaps any
// zombie reparented to it and exits as the command did (128+N after
// signal N).
func Main(args []string) int {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "berth-init: no command given")
		return 127
	}
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Its own process group in the foreground of the tty, as tini does, so
	// ^C reaches it.
	cmd.SysProcAttr = &unix.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "berth-init: %v\n", err)
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
			return 127
		}
		return 126
	}
	child := cmd.Process.Pid
	for sig := range sigs {
		s := sig.(unix.Signal)
		if s != unix.SIGCHLD {
			if s != unix.SIGURG {
				// ESRCH: it exited, and its SIGCHLD is on the way.
				if err := unix.Kill(child, s); err != nil && err != unix.ESRCH {
					fmt.Fprintf(os.Stderr, "berth-init: forward %v: %v\n", s, err)
				}
			}
			continue
		}
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if err != nil || pid <= 0 {
				break
			}
			if pid == child {
				if ws.Signaled() {
					return 128 + int(ws.Signal())
				}
				return ws.ExitStatus()
			}
		}
	}
	return 0
}

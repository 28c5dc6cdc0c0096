package api

import (
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// reapMonitors collects the service's children that nobody waits for.
// engine.Start starts each container's monitor as a child of the calling
// process and lets it go: a berth command exits soon after, and init or a
// subreaper collects the monitor; a service lives on, so it collects them
// itself. Only a child that was a zombie at two scans a second apart is
// reaped: a child that its starter waits for (exec.Cmd.Wait) is collected
// at once by that waiter, whose status must not be taken from it. A scan
// reads all of /proc (this kernel may lack /proc/PID/task/TID/children),
// so it runs only after a SIGCHLD, and a second later while zombies are
// left: an idle service touches nothing, and its RSS stays what
// ReleaseStartup left.
func reapMonitors(stop <-chan struct{}) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, unix.SIGCHLD)
	defer signal.Stop(sig)
	seen := map[int]bool{}
	var tick <-chan time.Time
	for {
		select {
		case <-stop:
			return
		case <-sig:
			if tick != nil {
				continue // the scan already due will see this child
			}
			tick = time.After(time.Second)
			seen = zombieChildren()
			continue
		case <-tick:
		}
		now := zombieChildren()
		for pid := range now {
			if seen[pid] {
				var ws unix.WaitStatus
				if p, _ := unix.Wait4(pid, &ws, unix.WNOHANG, nil); p == pid {
					delete(now, pid)
				}
			}
		}
		seen, tick = now, nil
		if len(now) > 0 {
			tick = time.After(time.Second)
		}
	}
}

// zombieChildren lists this process's children that have exited.
func zombieChildren() map[int]bool {
	out := map[int]bool{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	self := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parens.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		f := strings.Fields(rest)
		if len(f) >= 2 && f[0] == "Z" && f[1] == strconv.Itoa(self) {
			out[pid] = true
		}
	}
	return out
}

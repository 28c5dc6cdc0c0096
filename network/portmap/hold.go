package portmap

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Hold binds the host socket that m shadows and keeps it until closed: a
// TCP port listens (as docker-proxy's does, so `ss -ltnp` names the
// holder), a UDP port is bound. No traffic reaches it, since DNAT takes
// the port's packets first; holding it is what makes the kernel refuse the
// port to any other program and any other berth root while the container
// publishes it. A port held by someone else is ErrPortInUse, naming them.
func Hold(m Mapping) (io.Closer, error) {
	var c io.Closer
	var err error
	if m.Protocol == "udp" {
		c, err = net.ListenPacket("udp4", addr(m.HostIP, m.HostPort))
	} else {
		c, err = net.Listen("tcp4", addr(m.HostIP, m.HostPort))
	}
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w on the host%s (%v)", m, ErrPortInUse, heldBy(m.Protocol, m.HostPort), err)
	}
	return c, nil
}

// heldBy names the processes with a socket on port, for an error message:
// ", held by pid 12 (nginx)", or "" when none is found (a socket of
// another network namespace, or one that just closed).
func heldBy(proto string, port uint16) string {
	inodes := socketInodes(proto, port)
	if len(inodes) == 0 {
		return ""
	}
	var who []string
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		fds, _ := os.ReadDir(p + "/fd")
		for _, fd := range fds {
			link, err := os.Readlink(p + "/fd/" + fd.Name())
			if err != nil || !inodes[link] {
				continue
			}
			who = append(who, describe(p))
			break
		}
	}
	if len(who) == 0 {
		return ""
	}
	return ", held by " + strings.Join(who, ", ")
}

// describe names a process: its pid and command, and for a berth root's
// responder (berth-dns dns <root> <runroot>) the root.
func describe(procDir string) string {
	pid := filepath.Base(procDir)
	raw, _ := os.ReadFile(procDir + "/cmdline")
	args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
	if len(args) >= 3 && args[0] == "berth-dns" {
		return fmt.Sprintf("pid %s (berth of root %s)", pid, args[2])
	}
	comm, _ := os.ReadFile(procDir + "/comm")
	return fmt.Sprintf("pid %s (%s)", pid, strings.TrimSpace(string(comm)))
}

// socketInodes reads the calling thread's /proc/net/{tcp,udp}{,6} for
// sockets bound to port (in LISTEN state for TCP), as "socket:[inode]"
// links of /proc/PID/fd. The thread's, not /proc/net (the main thread's):
// a thread that netns.Create or Do locked into another namespace and that
// could not exit (Go never ends the main thread) may be the main one.
func socketInodes(proto string, port uint16) map[string]bool {
	out := map[string]bool{}
	for _, file := range []string{proto, proto + "6"} {
		f, err := os.Open("/proc/thread-self/net/" + file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 10 {
				continue
			}
			_, hexPort, ok := strings.Cut(fields[1], ":")
			p, err := strconv.ParseUint(hexPort, 16, 16)
			if !ok || err != nil || uint16(p) != port || proto == "tcp" && fields[3] != "0A" {
				continue
			}
			out["socket:["+fields[9]+"]"] = true
		}
		f.Close()
	}
	return out
}

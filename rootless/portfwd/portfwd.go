// Package portfwd is the published-port forwarder of a rootless
// container: a loop in C (portfwd.c) that runs before the Go runtime
// starts, in a berth process of its own, and splices each connection
// between a host socket berth bound and a socket in the container's
// network namespace. portfwd.c says why C and why splice. Importing this
// package links the constructor in.
package portfwd

// #cgo CFLAGS: -Wall -Wextra -O2
import "C"

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	envFwd = "_BERTH_PORTFWD"
	// Name is the forwarder's argv[0] and comm; its argv[1] is the
	// container's ID, which IsForwarder checks before a kill.
	Name = "berth-portfwd"
)

// Listener is one bound host socket and the container port it forwards to.
type Listener struct {
	File          *os.File // a listening TCP socket or a bound UDP one
	Proto         string   // "tcp" or "udp"
	ContainerPort uint16
}

// Start runs the forwarder for container id: it joins the network
// namespace netns, then forwards each listener to target:port there. keep
// are more files it holds open for its whole life (slirp4netns's exit fd).
// It returns the forwarder's pid once it is in the namespace.
func Start(id string, netns *os.File, target netip.Addr, ls []Listener, keep ...*os.File) (int, error) {
	if !target.Is4() {
		return 0, fmt.Errorf("port forwarder of %s: target %s is not IPv4", id, target)
	}
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return 0, fmt.Errorf("port forwarder of %s: %w", id, err)
	}
	defer readyR.Close()
	files := append([]*os.File{netns, readyW}, keep...)
	var specs []string
	for _, l := range ls {
		specs = append(specs, fmt.Sprintf("%d/%s/%d", 3+len(files), l.Proto, l.ContainerPort))
		files = append(files, l.File)
	}
	spec := fmt.Sprintf("3:4:%s:%s", target, strings.Join(specs, ","))
	cmd := &exec.Cmd{
		Path: "/proc/self/exe", Args: []string{Name, id}, Env: []string{envFwd + "=" + spec},
		ExtraFiles: files,
		// Its own process group: a ^C to a foreground run is the
		// container's, not its network's.
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true},
	}
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return 0, fmt.Errorf("port forwarder of %s: %w", id, err)
	}
	_ = readyR.SetReadDeadline(time.Now().Add(10 * time.Second))
	var buf [256]byte
	n, _ := readyR.Read(buf[:])
	if n == 1 && buf[0] == '1' {
		pid := cmd.Process.Pid
		_ = cmd.Process.Release() // it outlives this command; rootless.StopNetwork ends it
		return pid, nil
	}
	_ = cmd.Process.Kill() // gone already is fine
	werr := cmd.Wait()
	msg := strings.TrimSpace(string(buf[:n]))
	if msg == "" {
		msg = fmt.Sprint("no ready signal: ", werr)
	}
	return 0, fmt.Errorf("port forwarder of %s: %s", id, msg)
}

// IsForwarder says whether pid is the forwarder of container id, not a
// process that reused its pid.
func IsForwarder(pid int, id string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	return bytes.Equal(b, []byte(Name+"\x00"+id+"\x00"))
}

package rootless

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/internal/proc"
	"github.com/berth-containers/berth/rootless/portfwd"
)

// A rootless container's default network is slirp4netns for its traffic
// out, and berth's own forwarder (rootless/portfwd) for its published
// ports. Measured by bench/rootless against podman 4.3 (slirp4netns,
// rootlessport, conmon), pasta (Debian passt 2023-03) was the first choice
// and lost on two of the three targets:
//   - memory: pasta prefaults ~29 MB of static buffers (its PSS: 29,439
//     KiB, 3.7x podman's four helpers together), with no option to shrink
//     them. slirp4netns is ~1.1 MB; the forwarder, C before Go's runtime
//     starts, ~0.2 MB.
//   - throughput: pasta's published port moved 0.90x podman's MB/s. The
//     forwarder splices each connection from the host socket into one it
//     opens inside the container's namespace, never copying a byte to user
//     space, and one hop (podman's rootlessport is two Go processes).
//   - start: pasta took 100-300 ms of a run's 340 ms (it scans and copies
//     the host's addresses and routes, and forks into the background);
//     slirp4netns is up in a few ms, and berth waits on its ready fd for
//     exactly that long.
//
// slirp4netns's own port API is not used: it copies every byte through
// libslirp's user-space TCP. Its sandbox (a mount namespace of its own,
// pivoted into an empty root) and seccomp filter are on. Both helpers'
// pids are recorded; teardown (StopNetwork) ends them after checking who
// they are. slirp4netns also ends when the forwarder does (it holds the
// write end of slirp's exit fd), so a forwarder killed by anyone takes the
// container's egress with it rather than leaving it behind unowned.
// slirp4netns needs /dev/net/tun open to users (mode 0666, udev's default).
const (
	// SlirpDNS is slirp4netns's resolver, which forwards to the host's.
	SlirpDNS = "10.0.2.3"
	slirpMTU = "65520"
)

// SlirpNet is slirp4netns's network (--configure's default): no user
// network may take it, since the user's namespace routes it to slirp.
var SlirpNet = netip.MustParsePrefix("10.0.2.0/24")

// SlirpAddr is the container's address on slirp4netns's network
// (--configure's default, 10.0.2.100/24).
var SlirpAddr = netip.AddrFrom4([4]byte{10, 0, 2, 100})

// Port is one published port: HostIP empty is every host address.
// HostPortEnd, when set, is a range of which one free port is taken.
type Port struct {
	HostIP                netip.Addr
	HostPort, HostPortEnd uint16
	ContainerPort         uint16
	Proto                 string
}

// checkPorts refuses a host port the user could not bind outside berth.
func checkPorts(ports []Port) error {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_unprivileged_port_start")
	if err != nil {
		return nil // an old kernel: the bind fails with its own error
	}
	start, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	for _, p := range ports {
		if p.HostPort != 0 && int(p.HostPort) < start {
			return fmt.Errorf("rootless berth: host port %d is below net.ipv4.ip_unprivileged_port_start (%d): publish a port >= %d, or have root lower the sysctl", p.HostPort, start, start)
		}
	}
	return nil
}

// A container's network records: the helpers' pids, slirp4netns's log,
// the published ports.
func netDir(runroot string) string               { return filepath.Join(runroot, "net") }
func slirpPIDFile(runroot, id string) string     { return filepath.Join(netDir(runroot), id+".slirp") }
func forwarderPIDFile(runroot, id string) string { return filepath.Join(netDir(runroot), id+".fwd") }
func slirpLog(runroot, id string) string         { return filepath.Join(netDir(runroot), id+".log") }

// StartNetwork connects the network namespace pinned at nsPath to the host
// through slirp4netns, and publishes ports through a forwarder. It returns
// once both are ready. On error nothing is left.
func StartNetwork(runroot, id, nsPath string, ports []Port) (err error) {
	bin, err := slirpBinary()
	if err != nil {
		return err
	}
	defer stopOnError(runroot, id, &err)
	// Bound here, in the host's namespace, before either helper starts:
	// a taken port fails the run at once, and -p 80 gets its port now.
	ls, err := bindPorts(runroot, id, ports)
	defer closeAll(ls)
	if err != nil {
		return err
	}
	var exitR, exitW *os.File
	if len(ls) > 0 {
		if exitR, exitW, err = os.Pipe(); err != nil {
			return fmt.Errorf("rootless berth: %w", err)
		}
		defer exitR.Close()
		defer exitW.Close()
	}
	args := []string{"--configure", "--mtu=" + slirpMTU, "--disable-host-loopback",
		"--enable-sandbox", "--enable-seccomp"}
	if err := startSlirp(bin, args, nsPath, slirpPIDFile(runroot, id), slirpLog(runroot, id), exitR); err != nil {
		return err
	}
	if len(ls) == 0 {
		return nil
	}
	return forward(runroot, id, nsPath, SlirpAddr, ls, exitW)
}

// Publish forwards ports to target inside the namespace at nsPath, the
// container's own: a container on a user network, whose egress is its
// user namespace's slirp4netns (StartEgress), not one of its own. On
// error nothing is left.
func Publish(runroot, id, nsPath string, target netip.Addr, ports []Port) (err error) {
	if len(ports) == 0 {
		return nil
	}
	defer stopOnError(runroot, id, &err)
	ls, err := bindPorts(runroot, id, ports)
	defer closeAll(ls)
	if err != nil {
		return err
	}
	return forward(runroot, id, nsPath, target, ls)
}

// listenAndRecord binds the ports on the host and records them as bound.
// bindPorts checks the ports, then binds and records them.
func bindPorts(runroot, id string, ports []Port) ([]portfwd.Listener, error) {
	if err := checkPorts(ports); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(netDir(runroot), 0o700); err != nil {
		return nil, fmt.Errorf("rootless berth: %w", err)
	}
	return listenAndRecord(runroot, id, ports)
}

// stopOnError undoes a half-made network of id when *err is set.
func stopOnError(runroot, id string, err *error) {
	if *err != nil {
		if serr := StopNetwork(runroot, id); serr != nil {
			*err = errors.Join(*err, serr)
		}
	}
}

func listenAndRecord(runroot, id string, ports []Port) ([]portfwd.Listener, error) {
	ls, bound, err := listen(ports)
	if err != nil {
		return ls, err
	}
	return ls, writePorts(runroot, id, bound)
}

func closeAll(ls []portfwd.Listener) {
	for _, l := range ls {
		l.File.Close()
	}
}

// forward starts container id's forwarder into the namespace at nsPath
// and records its pid; keep are files it holds for its life.
func forward(runroot, id, nsPath string, target netip.Addr, ls []portfwd.Listener, keep ...*os.File) error {
	ns, err := os.Open(nsPath)
	if err != nil {
		return fmt.Errorf("rootless berth: %w", err)
	}
	defer ns.Close()
	pid, err := portfwd.Start(id, ns, target, ls, keep...)
	if err != nil {
		return fmt.Errorf("rootless berth: %w", err)
	}
	return writePID(forwarderPIDFile(runroot, id), pid)
}

// slirpBinary finds slirp4netns and checks that it can make its tap.
func slirpBinary() (string, error) {
	bin, err := exec.LookPath("slirp4netns")
	if err != nil {
		return "", errors.New("rootless berth: slirp4netns is missing: install the slirp4netns package (apt-get install slirp4netns), or run with --network none or host")
	}
	f, err := os.OpenFile("/dev/net/tun", os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("rootless berth: slirp4netns needs /dev/net/tun open to users (chmod 0666 /dev/net/tun, udev's default), or run with --network none or host: %w", err)
	}
	f.Close()
	return bin, nil
}

// startSlirp runs slirp4netns with args on the namespace at nsPath,
// records its pid and waits on its ready fd. exit, if not nil, is the
// read end of its exit fd.
func startSlirp(bin string, args []string, nsPath, pidFile, logFile string, exit *os.File) error {
	readyR, readyW, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("rootless berth: %w", err)
	}
	defer readyR.Close()
	logf, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		readyW.Close()
		return fmt.Errorf("rootless berth: %w", err)
	}
	defer logf.Close()
	args = append(args[:len(args):len(args)], "--ready-fd=3")
	files := []*os.File{readyW}
	if exit != nil {
		args = append(args, "--exit-fd=4")
		files = append(files, exit)
	}
	args = append(args, "--netns-type=path", nsPath, "tap0")
	cmd := exec.Command(bin, args...)
	cmd.ExtraFiles = files
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = cmd.Start()
	readyW.Close()
	if err != nil {
		return fmt.Errorf("rootless berth: slirp4netns: %w", err)
	}
	if err := writePID(pidFile, cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return err
	}
	_ = readyR.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b [1]byte
	if n, _ := readyR.Read(b[:]); n == 1 && b[0] == '1' {
		return cmd.Process.Release() // it outlives this command
	}
	_ = cmd.Process.Kill() // gone already is fine
	werr := cmd.Wait()
	out, _ := os.ReadFile(logFile)
	return fmt.Errorf("rootless berth: slirp4netns %s: not ready: %v: %s", strings.Join(args, " "), werr,
		strings.Join(strings.Fields(string(out)), " "))
}

func writePID(path string, pid int) error {
	if err := atomicfile.WriteFileUnsynced(path, []byte(strconv.Itoa(pid)+"\n"), 0o600); err != nil {
		return fmt.Errorf("rootless berth: record a network helper's pid: %w", err)
	}
	return nil
}

// StopNetwork ends a container's slirp4netns and forwarder, if they still
// run, and removes its network records. It is idempotent.
func StopNetwork(runroot, id string) error {
	errs := []error{
		stopHelper(forwarderPIDFile(runroot, id), func(pid int) bool { return portfwd.IsForwarder(pid, id) }),
		stopHelper(slirpPIDFile(runroot, id), func(pid int) bool {
			return isSlirp(pid, func(ns string) bool { return filepath.Base(ns) == id })
		}),
	}
	for _, f := range []string{forwarderPIDFile(runroot, id), slirpPIDFile(runroot, id), slirpLog(runroot, id), portsFile(runroot, id)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("rootless berth: %w", err))
		}
	}
	return errors.Join(errs...)
}

// stopHelper kills the process whose pid path records, if is says it is
// still the helper recorded there (not a reused pid). The file stays.
func stopHelper(path string, is func(pid int) bool) error {
	pid, err := readPID(path)
	if err != nil || pid == 0 {
		return err
	}
	if is(pid) {
		_ = syscall.Kill(pid, syscall.SIGKILL) // gone already is fine
		reap(pid)
	}
	return nil
}

// readPID reads a helper's pid file: 0 for none.
func readPID(path string) (int, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("rootless berth: %w", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return max(pid, 0), nil
}

// isSlirp says whether pid is a slirp4netns on a namespace that ns
// accepts (its path argument: a container's names the container).
func isSlirp(pid int, ns func(path string) bool) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	args := bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0})
	if len(args) < 3 || filepath.Base(string(args[0])) != "slirp4netns" {
		return false
	}
	return ns(string(args[len(args)-2])) && string(args[len(args)-1]) == "tap0"
}

// reap waits for pid, just sent SIGKILL, to end, and collects it if it
// is this process's child (a foreground run's helpers are); another's is
// collected by its own parent, so a zombie is ended. The wait matters:
// the signal is delivered asynchronously, and under load a helper still
// ran, holding its namespace and tap, after the network rm that ended it
// had returned.
func reap(pid int) {
	for i := 0; i < 400; i++ {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if got == pid {
			return
		}
		if _, state, serr := proc.StartTime(pid); err != nil && (serr != nil || state == 'Z' || state == 'X') {
			return // not a child of this process's, and ended
		}
		time.Sleep(5 * time.Millisecond)
	}
}

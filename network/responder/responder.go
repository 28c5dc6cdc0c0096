// Package responder is berth's one long-lived helper process per engine
// root: the embedded DNS of user networks (127.0.0.11:53 in each container)
// and the holder of published host ports. The engine starts it (Sync) and
// the berth binary runs it when re-executed as "berth dns" (Main).
package responder

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/fds"
	"github.com/berth-containers/berth/internal/statedir"
	"github.com/berth-containers/berth/network"
	"github.com/berth-containers/berth/network/dns"
	"github.com/berth-containers/berth/network/portmap"
)

// The embedded DNS of user networks is one responder process per engine
// root, not one per container (idle monitors are a C loop, with no Go to
// run a server) and not one per network (a container on two user networks
// would need two servers on its one 127.0.0.11:53):
//
//	berth dns <root> <runroot>     (env BERTH_DNS=1, fd 3 = report pipe)
//
// It holds <runroot>/dns.lock, listens on <runroot>/dns.sock, and serves
// every container that has an endpoint on a user network: for each, a UDP
// and a TCP socket opened at 127.0.0.11:53 inside the container's netns (on
// a thread that entered it; the sockets keep their netns) and served from
// the host's namespace, answering from the networks' names files
// (network.Store.Resolver, which follows `network connect` by itself) and
// forwarding other names to the host's resolvers.
//
//	engine --> "sync [ID]\n"   after an attach or detach (of container ID)
//	       <-- "ok N\n"        N containers served, from the endpoint records
//	       <-- "error: ...\n"  container ID could not be served
//
// Only ID's own failure is an error of the sync: a container that broke
// its own namespace (flushed lo, so 127.0.0.11 is gone) is retried at each
// sync and logged, and must not fail another container's start.
//
// A sync that leaves no container makes it exit (socket unlinked first).
// The engine starts one when a sync finds none listening; the new process
// syncs at start and writes "ok" to fd 3 ("busy" when another holds the
// lock: the caller retries). A killed responder is started again by the
// next attach or by repairNetwork.

// Env marks the responder process, so main routes it before flags.
const Env = "BERTH_DNS"

func dnsSocket(runroot string) string { return filepath.Join(runroot, "dns.sock") }

// OpenStore opens the network store of an engine root; the engine gives
// it, so the responder names tables and bridges as the engine does.
type OpenStore func(root, runroot string) *network.Store

// Main is the responder's whole life; it returns its exit code.
func Main(args []string, open OpenStore) int {
	debug.SetGCPercent(20)
	debug.SetMemoryLimit(4 << 20)
	fds.CloseInherited(4) // 0-2 are /dev/null, 3 the report pipe
	report := os.NewFile(3, "report")
	say := func(s string) {
		if report != nil {
			if _, err := fmt.Fprintln(report, s); err != nil {
				// The starter reads EOF and reports that it did not start.
				slog.Debug("dns responder report", "error", err)
			}
			report.Close()
			report = nil
		}
	}
	defer say("error")
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "berth dns: want <root> <runroot>")
		return 2
	}
	lock, err := os.OpenFile(filepath.Join(args[1], "dns.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		say("error " + err.Error())
		return 1
	}
	// The lock lives as long as the process: lock is used at the end, or
	// the garbage collector would close it (and drop the flock) meanwhile.
	defer runtime.KeepAlive(lock)
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		say("busy")
		return 0
	}
	sock := dnsSocket(args[1])
	os.Remove(sock)
	ln, err := net.Listen("unix", sock)
	if err == nil {
		err = statedir.ChmodSocket(unix.AT_FDCWD, sock)
	}
	if err != nil {
		say("error " + err.Error())
		return 1
	}
	// The socket is unlinked by hand, before a close that ends the
	// process: a stray's close must not unlink its successor's.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	r := &responder{store: open(args[0], args[1]), servers: map[string]*dns.Server{}, ports: map[string]heldPort{}, ln: ln, sock: sock}
	if _, err := r.sync(""); err != nil {
		slog.Warn("dns sync", "error", err)
	} else if r.stopped {
		say("ok")
		return 0
	}
	say("ok")
	own, lockPath := fileID(sock), lock.Name()
	lockID := fdID(int(lock.Fd()))
	for {
		if err := ln.(*net.UnixListener).SetDeadline(time.Now().Add(ownerCheckEvery)); err != nil {
			// Without the deadline the owner check never runs: a stray
			// must not be left serving.
			slog.Warn("dns responder: set accept deadline; exiting", "error", err)
			r.closeAll()
			return 1
		}
		conn, err := ln.Accept()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if fileID(sock) != own || fileID(lockPath) != lockID {
				// Another responder took the socket or the lock file
				// was replaced: this one is a stray, and its sockets
				// in the containers would keep the owner from binding.
				slog.Warn("dns responder lost its socket or lock; exiting", "sock", sock)
				r.closeAll()
				return 0
			}
			continue
		}
		if err != nil {
			return 0 // closed by the sync that found no container
		}
		r.handle(conn)
	}
}

// ownerCheckEvery is how often an idle responder checks it still owns
// dns.sock and dns.lock.
const ownerCheckEvery = 2 * time.Second

// fileID is the device and inode of path, or "" if it cannot be read.
func fileID(path string) string {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return ""
	}
	return fmt.Sprint(st.Dev, ":", st.Ino)
}

func fdID(fd int) string {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return ""
	}
	return fmt.Sprint(st.Dev, ":", st.Ino)
}

func (r *responder) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for id := range r.servers {
		r.stopServer(id)
	}
	r.ln.Close()
}

type responder struct {
	mu      sync.Mutex
	store   *network.Store
	servers map[string]*dns.Server // container ID -> its responder
	ports   map[string]heldPort    // portKey -> its socket (engine/netsetup/ports.go)
	ln      net.Listener
	sock    string
	stopped bool // the listener is closed: nothing left to serve
}

func (r *responder) handle(conn net.Conn) {
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		slog.Debug("dns responder: connection deadline", "error", err)
		return
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	verb, id, _ := strings.Cut(strings.TrimSpace(line), " ")
	reply := "error: want sync"
	if err == nil && verb == "sync" {
		if n, err := r.sync(id); err != nil {
			reply = fmt.Sprintf("error: %v", err)
		} else {
			reply = fmt.Sprintf("ok %d", n)
		}
	}
	// A reply that cannot be sent leaves the client with EOF, which it
	// reports (Sync); the sync itself is done.
	if _, err := fmt.Fprintln(conn, reply); err != nil {
		slog.Debug("dns responder reply", "error", err)
	}
}

// stopServer closes container id's DNS server and forgets it.
func (r *responder) stopServer(id string) {
	if err := r.servers[id].Close(); err != nil {
		slog.Debug("close embedded dns", "container", id, "error", err)
	}
	delete(r.servers, id)
}

// sync serves exactly the containers with an endpoint on a user network,
// and holds exactly the published ports; with none left, it stops
// listening so the process ends. Its error is only about container id
// (none for ""); others' failures are logged.
func (r *responder) sync(id string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	eps, err := r.store.Endpoints("")
	if err != nil {
		return len(r.servers), err
	}
	want := map[string]string{}
	for _, ep := range eps {
		if ep.NetworkName != network.DefaultName {
			want[ep.ContainerID] = ep.NetNS
		}
	}
	for id := range r.servers {
		if _, ok := want[id]; !ok {
			r.stopServer(id)
		}
	}
	var mine error
	for cid, path := range want {
		if _, ok := r.servers[cid]; ok {
			continue
		}
		srv, err := r.store.ServeDNS(cid, path)
		if err != nil {
			err = fmt.Errorf("dns for %.12s: %w", cid, err)
			if cid == id {
				mine = err
			} else {
				slog.Warn("embedded dns", "error", err)
			}
			continue
		}
		r.servers[cid] = srv
	}
	mine = errors.Join(mine, r.holdPorts(eps, id))
	if len(r.servers) == 0 && len(want) == 0 && len(r.ports) == 0 && !published(eps) {
		os.Remove(r.sock)
		r.ln.Close()
		r.stopped = true
	}
	debug.FreeOSMemory()
	return len(r.servers) + len(r.ports), mine
}

// Sync tells the root's responder that endpoints changed, starting one
// if none listens and some container needs it. id is the container whose
// endpoints changed ("" for none): only its failure to be served is an
// error here. A responder that is still starting, or on its way out,
// answers busy or not at all: wait for it. A container's 127.0.0.11:53
// still held by a responder that has lost its socket (it exits at its next
// owner check) answers "address in use": wait past that check.
// needed reports whether some container needs a responder at all.
func Sync(root, runroot, id string, needed func() (bool, error)) error {
	sock := dnsSocket(runroot)
	var lastErr error
	deadline := time.Now().Add(dnsSyncTimeout)
	for attempt := 0; time.Now().Before(deadline); attempt++ {
		if attempt > 0 {
			time.Sleep(min(time.Duration(attempt)*5*time.Millisecond, 100*time.Millisecond))
		}
		reply, err := dnsRequest(sock, id)
		if err == nil {
			if strings.HasPrefix(reply, "ok") {
				return nil
			}
			lastErr = replyError(reply)
			if strings.Contains(reply, "address already in use") && !errors.Is(lastErr, portmap.ErrPortInUse) {
				continue
			}
			return lastErr
		}
		lastErr = err
		need, err := needed()
		if err != nil || !need {
			return err
		}
		rep, err := start(root, runroot)
		if err != nil {
			return err
		}
		switch rep {
		case "ok":
			// Started: the sync above is retried, so that id's own
			// failure (a port it cannot hold) is reported.
		case "busy":
			// Another process holds the lock, starting or exiting.
		default:
			return fmt.Errorf("embedded dns: %s", rep)
		}
	}
	return fmt.Errorf("embedded dns: %w", lastErr)
}

// dnsSyncTimeout bounds Sync's wait for a responder; more than
// ownerCheckEvery, so that a stray has gone by then.
const dnsSyncTimeout = 3*ownerCheckEvery + 4*time.Second

func dnsRequest(sock, id string) (string, error) {
	conn, err := net.DialTimeout("unix", sock, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(conn, strings.TrimSpace("sync "+id)+"\n"); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func published(eps []network.Endpoint) bool {
	for _, ep := range eps {
		if Holds(ep) {
			return true
		}
	}
	return false
}

// start spawns a responder and returns its report.
func start(root, runroot string) (string, error) {
	env := []string{Env + "=1", "GOMAXPROCS=1", "GOGC=20", "MALLOC_ARENA_MAX=1", "GODEBUG=memprofilerate=0"}
	data, err := fds.SpawnDaemon("dns responder", "berth-dns", []string{"dns", root, runroot}, env)
	if err != nil {
		return "", err
	}
	rep := strings.TrimSpace(string(data))
	if rep == "busy" || rep == "ok" {
		return rep, nil
	}
	return "", fmt.Errorf("the dns responder did not start: %q", rep)
}

// portfwd.c: the published-port forwarder of a rootless container. It runs
// as an ELF constructor, before the Go runtime starts, in a berth process
// started for it (portfwd.go), and never returns to Go.
//
// Why C, before Go: the forwarder lives as long as the container and does
// one thing, so it should cost what slirp4netns's port helpers do not: a Go
// process is ~2.5 MB of private memory however idle; this loop is ~0.2 MB
// (as engine/idlemon, whose drop_segments it copies). Why splice: each
// byte crosses from one socket to the other inside the kernel, through a
// pipe, with no copy to user space, so a published port forwards at close
// to loopback speed.
//
// Berth binds the host-side sockets in the host's network namespace (so
// `-p 127.0.0.1:P:80` is bound as the user would bind it) and passes them
// here; this process then joins the container's network namespace (it is
// root of the store's user namespace, which owns it). A socket belongs to
// the namespace it is created in, so every connection's container side,
// made after the setns, connects inside the container's namespace.
//
// $_BERTH_PORTFWD is
// "<netns fd>:<ready fd>:<container IPv4>:<fd>/<tcp|udp>/<container port>,...".
// The ready fd gets "1" once the namespace is joined, or one line of error.
// Other inherited fds (slirp4netns's exit fd) are kept open and ignored: the
// forwarder's death, SIGKILL included, closes them.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

// Nothing the loop runs may read .rodata (drop_segments says why): no
// jump tables, and no merged or vectorised stores, whose constants gcc
// loads from memory.
#pragma GCC optimize("no-jump-tables", "no-store-merging", "no-tree-vectorize")

#define ENV_FWD "_BERTH_PORTFWD"
#define PIPE_BYTES (1 << 20) // asked for; the kernel may give less
// NOTSENT_LOWAT bounds what a socket holds written but not yet sent
// (TCP_NOTSENT_LOWAT); the rest waits in the pipe. Why: on loopback, bytes
// queued unsent are sent later from whichever context opens the window,
// the reader's own recv and its ACKs, so a full send queue (autotuned to
// megabytes) moves the sending work onto the client, the slowest process
// of a download, on a 2-core host. Bounded, this loop sends them itself.
// Measured with bench/rootless's client (Go, 8 KiB reads), 256 MiB,
// alternating, load 8: 16 KiB 701, 32 KiB 766-895, 64 KiB 557-809,
// 128 KiB 500-677 MB/s, unbounded 465-703, podman 4.3 479-660.
#define NOTSENT_LOWAT (32 << 10)
#define UDP_IDLE_MS 60000    // a UDP flow without traffic this long is forgotten
#define UDP_MAX_FLOWS 4096
#define MAX_LISTENERS 1024

enum kind { K_TCP, K_UDP, K_CONN, K_FLOW, K_TIMER };

struct listener {
	enum kind kind;
	int fd, port, paused;
};

// dir is one direction of a TCP connection: src -> pipe -> dst.
struct dir {
	int src, dst, pipe[2];
	size_t pending; // bytes in the pipe
	int eof, shut;
};

struct conn;

// side is what epoll hands back for one socket of a connection.
struct side {
	enum kind kind; // K_CONN
	int i;
	struct conn *c;
};

struct conn {
	struct side side[2];
	int fd[2];      // 0: the host's client, 1: the container side
	int watched[2]; // still in the epoll set
	uint32_t events[2]; // what each is watched for
	int connecting, dead;
	struct dir d[2]; // 0: host to container, 1: container to host
	struct conn *next;
};

struct flow {
	enum kind kind;
	int fd, dead;
	struct listener *l;
	struct sockaddr_storage peer;
	socklen_t plen;
	long long last;
	struct flow *next;
};

static int ep;
static struct in_addr target;
static struct listener listeners[MAX_LISTENERS];
static int nlisteners, nconns, nflows;
static struct conn *conns, *graveyard;
static struct flow *flows;
static struct listener timer = {.kind = K_TIMER, .fd = -1};
static char dgram[65536];

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fail(int ready, const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "%s: %s\n", what, strerror(errno));
	if (ready >= 0 && n > 0 && write(ready, msg, (size_t)n) < 0)
		_exit(125);
	_exit(125);
}

static long num(char **p, char end)
{
	char *e;
	long v = strtol(*p, &e, 10);
	if (e == *p || *e != end)
		_exit(125); // Go wrote this; a bad value is a bug, not an input
	*p = e + 1;
	return v;
}

static void watch(int fd, uint32_t events, void *ptr, int op)
{
	struct epoll_event ev = {.events = events, .data.ptr = ptr};
	epoll_ctl(ep, op, fd, &ev);
}

static void pause_listeners(int on)
{
	for (int i = 0; i < nlisteners; i++) {
		struct listener *l = &listeners[i];
		if (l->kind == K_TCP && l->paused != on) {
			l->paused = on;
			watch(l->fd, on ? 0 : EPOLLIN, l, EPOLL_CTL_MOD);
		}
	}
}

// kill_conn closes c's fds now and frees it after this epoll batch, whose
// later events may still point at it.
static void kill_conn(struct conn *c, int reset)
{
	if (c->dead)
		return;
	c->dead = 1;
	if (reset) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(c->fd[0], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	for (int i = 0; i < 2; i++) {
		close(c->fd[i]);
		close(c->d[i].pipe[0]);
		close(c->d[i].pipe[1]);
	}
	for (struct conn **p = &conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	c->next = graveyard;
	graveyard = c;
	nconns--;
	pause_listeners(0);
}

// pump moves what it can one way. It reads only into an empty pipe, so an
// EAGAIN from the read means the socket has nothing, never a full pipe.
static int pump(struct dir *d)
{
	for (int round = 0; round < 16; round++) {
		if (d->pending == 0 && !d->eof) {
			ssize_t n = splice(d->src, NULL, d->pipe[1], NULL, PIPE_BYTES, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				d->pending = (size_t)n;
			else if (n == 0)
				d->eof = 1;
			else if (errno == EAGAIN)
				break;
			else if (errno != EINTR)
				return -1;
		}
		if (d->pending > 0) {
			ssize_t n = splice(d->pipe[0], NULL, d->dst, NULL, d->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
			if (n > 0)
				d->pending -= (size_t)n;
			else if (n < 0 && errno == EAGAIN)
				break;
			else if (n < 0 && errno != EINTR)
				return -1;
		}
		if (d->eof)
			break;
	}
	if (d->eof && d->pending == 0 && !d->shut) {
		shutdown(d->dst, SHUT_WR); // the half-close goes on to the other side
		d->shut = 1;
	}
	return 0;
}

// interest is what socket i of c waits for: to read when its direction's
// pipe is empty, to write when the other direction has bytes left.
static void interest(struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		if (!c->watched[i])
			continue;
		uint32_t ev = 0;
		if (c->d[i].pending == 0 && !c->d[i].eof)
			ev |= EPOLLIN;
		if (c->d[1 - i].pending > 0)
			ev |= EPOLLOUT;
		if (ev != c->events[i]) {
			c->events[i] = ev;
			watch(c->fd[i], ev, &c->side[i], EPOLL_CTL_MOD);
		}
	}
}

static void on_conn(struct conn *c, int i, uint32_t ev)
{
	if (c->dead)
		return;
	if (ev & EPOLLERR) {
		kill_conn(c, 1);
		return;
	}
	if (c->connecting) {
		int e = 0;
		socklen_t len = sizeof(e);
		if (getsockopt(c->fd[1], SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e != 0) {
			kill_conn(c, 1); // the container refused: so does the port
			return;
		}
		c->connecting = 0;
	}
	if (pump(&c->d[0]) < 0 || pump(&c->d[1]) < 0) {
		kill_conn(c, 1);
		return;
	}
	if (c->d[0].shut && c->d[1].shut) {
		kill_conn(c, 0);
		return;
	}
	// A hang-up stays reported while the socket is watched at all: both
	// its ways are shut, so what is left in it is read without waiting.
	if (ev & EPOLLHUP) {
		if (c->watched[i]) {
			epoll_ctl(ep, EPOLL_CTL_DEL, c->fd[i], NULL);
			c->watched[i] = 0;
		}
	}
	interest(c);
}

static int new_pipe(int p[2])
{
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	fcntl(p[1], F_SETPIPE_SZ, PIPE_BYTES); // smaller is slower, not wrong
	return 0;
}

static void accept_tcp(struct listener *l)
{
	for (int k = 0; k < 64; k++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				pause_listeners(1); // until a connection closes
			return;
		}
		// Pipes first: every fd of a struct conn is real, so kill_conn
		// closes them all (and no constant -1s are stored: see
		// drop_segments on read-only data).
		int p0[2], p1[2];
		if (new_pipe(p0) != 0) {
			close(fd);
			continue;
		}
		if (new_pipe(p1) != 0) {
			close(p0[0]);
			close(p0[1]);
			close(fd);
			continue;
		}
		struct conn *c = calloc(1, sizeof(*c));
		int cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c == NULL || cfd < 0) {
			free(c);
			int fds[] = {cfd, fd, p0[0], p0[1], p1[0], p1[1]};
			for (size_t j = 0; j < sizeof(fds) / sizeof(fds[0]); j++)
				if (fds[j] >= 0)
					close(fds[j]);
			continue;
		}
		for (int i = 0; i < 2; i++)
			c->side[i] = (struct side){.kind = K_CONN, .i = i, .c = c};
		c->fd[0] = fd;
		c->fd[1] = cfd;
		c->d[0].pipe[0] = p0[0];
		c->d[0].pipe[1] = p0[1];
		c->d[1].pipe[0] = p1[0];
		c->d[1].pipe[1] = p1[1];
		c->d[0].src = c->d[1].dst = fd;
		c->d[1].src = c->d[0].dst = cfd;
		int one = 1, lowat = NOTSENT_LOWAT;
		for (int j = 0; j < 2; j++) {
			int s = j ? cfd : fd;
			setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			setsockopt(s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
		}
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)l->port), .sin_addr = target};
		c->next = conns;
		conns = c;
		nconns++;
		if (connect(cfd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS) {
			kill_conn(c, 1);
			continue;
		}
		c->connecting = 1;
		c->watched[0] = c->watched[1] = 1;
		c->events[1] = EPOLLOUT;
		watch(fd, 0, &c->side[0], EPOLL_CTL_ADD); // nothing is read before the container answers
		watch(cfd, EPOLLOUT, &c->side[1], EPOLL_CTL_ADD);
	}
}

static void drop_flow(struct flow *f)
{
	close(f->fd);
	f->dead = 1;
	nflows--;
}

static struct flow *find_flow(struct listener *l, struct sockaddr_storage *peer, socklen_t plen)
{
	for (struct flow *f = flows; f; f = f->next)
		if (!f->dead && f->l == l && f->plen == plen && memcmp(&f->peer, peer, plen) == 0)
			return f;
	if (nflows >= UDP_MAX_FLOWS)
		return NULL;
	struct flow *f = calloc(1, sizeof(*f));
	if (f == NULL)
		return NULL;
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)l->port), .sin_addr = target};
	if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		if (f->fd >= 0)
			close(f->fd);
		free(f);
		return NULL;
	}
	f->kind = K_FLOW;
	f->l = l;
	f->peer = *peer;
	f->plen = plen;
	f->next = flows;
	flows = f;
	nflows++;
	watch(f->fd, EPOLLIN, f, EPOLL_CTL_ADD);
	return f;
}

// Datagrams from a host peer go out of that peer's own socket in the
// container, so replies find their way back to it.
static void on_udp(struct listener *l)
{
	for (int k = 0; k < 64; k++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(l->fd, dgram, sizeof(dgram), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return;
		struct flow *f = find_flow(l, &peer, plen);
		if (f == NULL)
			continue; // too many flows: dropped, as a full queue would
		f->last = now_ms();
		send(f->fd, dgram, (size_t)n, 0);
	}
}

static void on_flow(struct flow *f)
{
	for (int k = 0; k < 64 && !f->dead; k++) {
		ssize_t n = recv(f->fd, dgram, sizeof(dgram), 0);
		if (n < 0)
			return; // EAGAIN, or an ICMP error from the container: ignored
		f->last = now_ms();
		sendto(f->l->fd, dgram, (size_t)n, 0, (struct sockaddr *)&f->peer, f->plen);
	}
}

static void sweep(void)
{
	long long now = now_ms();
	uint64_t ticks;
	if (read(timer.fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	for (struct flow **p = &flows; *p;) {
		struct flow *f = *p;
		if (!f->dead && now - f->last > UDP_IDLE_MS)
			drop_flow(f);
		if (f->dead) {
			*p = f->next;
			free(f);
		} else {
			p = &f->next;
		}
	}
}

// drop_segments: as engine/idlemon's, the read-only pages that starting
// up touched go back to the page cache; the loop faults in what it runs.
// A binary freshly written (as bench/rootless installs it) sits in the
// page cache in 2 MiB folios, and a fault maps the whole folio: one load
// of a compiler constant from .rodata (it once was the -1s of a new
// conn's fds) costs 1 MiB of PSS. So the loop keeps off read-only data,
// and huge mappings are refused besides.
static int drop_segments(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	long page = sysconf(_SC_PAGESIZE);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W))
			continue;
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)(page - 1);
		uintptr_t end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
		madvise((void *)start, end - start, MADV_NOHUGEPAGE);
		madvise((void *)start, end - start, MADV_DONTNEED);
	}
	return 1;
}

static void setup(char *spec)
{
	int nsfd = (int)num(&spec, ':');
	int ready = (int)num(&spec, ':');
	char *colon = strchr(spec, ':');
	if (colon == NULL)
		_exit(125);
	*colon = 0;
	if (inet_pton(AF_INET, spec, &target) != 1)
		_exit(125);
	spec = colon + 1;
	while (*spec && nlisteners < MAX_LISTENERS) {
		struct listener *l = &listeners[nlisteners++];
		l->fd = (int)num(&spec, '/');
		l->kind = strncmp(spec, "udp/", 4) == 0 ? K_UDP : K_TCP;
		spec += 4;
		l->port = (int)strtol(spec, &spec, 10);
		if (*spec == ',')
			spec++;
		fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK);
		fcntl(l->fd, F_SETFD, FD_CLOEXEC);
	}
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_NAME, "berth-portfwd");
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (setns(nsfd, CLONE_NEWNET) != 0)
		fail(ready, "join the container's network namespace");
	close(nsfd);
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fail(ready, "epoll_create1");
	for (int i = 0; i < nlisteners; i++)
		watch(listeners[i].fd, EPOLLIN, &listeners[i], EPOLL_CTL_ADD);
	timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec it = {.it_interval = {.tv_sec = 10}, .it_value = {.tv_sec = 10}};
	if (timer.fd < 0 || timerfd_settime(timer.fd, 0, &it, NULL) != 0)
		fail(ready, "timerfd");
	watch(timer.fd, EPOLLIN, &timer, EPOLL_CTL_ADD);
	if (write(ready, "1", 1) != 1)
		_exit(125);
	close(ready);
}

__attribute__((constructor)) static void berth_portfwd(void)
{
	char *spec = getenv(ENV_FWD);
	if (spec == NULL)
		return;
	setup(spec);
	prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	dl_iterate_phdr(drop_segments, NULL);
	struct epoll_event evs[64];
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(125);
		}
		for (int i = 0; i < n; i++) {
			enum kind *k = evs[i].data.ptr;
			switch (*k) {
			case K_TCP:
				accept_tcp((struct listener *)k);
				break;
			case K_UDP:
				on_udp((struct listener *)k);
				break;
			case K_TIMER:
				sweep();
				break;
			case K_FLOW:
				on_flow((struct flow *)k);
				break;
			case K_CONN: {
				struct side *sd = (struct side *)k;
				on_conn(sd->c, sd->i, evs[i].events);
				break;
			}
			}
		}
		while (graveyard) {
			struct conn *c = graveyard;
			graveyard = c->next;
			free(c);
		}
	}
}

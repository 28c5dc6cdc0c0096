// nsenter.c: the only C in berth. It runs as an ELF constructor, before the Go
// runtime starts its threads, in the process berth-runtime starts as a
// container's init (or, later, as an exec'd process).
//
// Why C: setns() into a mount, user or time namespace, and unshare() of a user
// namespace, require a single-threaded caller; a Go program has several
// threads before main() runs. Everything that needs one thread is done here;
// everything else (mounts, pivot_root, devices) is Go: from a thread of the
// runtime joined to this process's namespaces (setup.c explains), or, where
// that cannot be, in runtime/initproc once this process is inside them.
//
// Protocol on the socket whose number is in $_BERTH_NSENTER (see nsenter.go):
//
//	parent                                   child (this file)
//	  starts child in its cgroup2 cgroup
//	  (clone3 CLONE_INTO_CGROUP)
//	  bootstrap records ------------------>  moves itself into its v1 cgroups,
//	                                         resets its CPU affinity to theirs
//	                                         joins namespaces (user first, mnt last)
//	                                         unshare(CLONE_NEWUSER)?
//	                   <------------------   'U'  (write my id maps)
//	  writes uid_map/gid_map  ------------>  'u'
//	                                         unshare(other flags), time offsets
//	                                         fork() when the pid namespace changed:
//	                                         the child is pid 1 and goes on
//	                   <------------------   'P' pid   (the pid that goes on)
//	                   <------------------   'E' len msg (instead, on failure)
//
// The process that goes on returns from the constructor into Go's main with
// the socket still open, for runtime/initproc's own protocol; or, when the
// bootstrap has REC_EXEC_* records, it execs the program itself (execve.c);
// or, with REC_SETUP, it waits while the runtime builds the container from
// its own process, and then execs the program itself (setup.c).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include "nsenter.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

// REC_CGROUP_LEAVE names a tasks file to write "0" to right after a new
// cgroup namespace is made: the process joined the container's v1 memory
// cgroup only so that the namespace is rooted there, and goes back out so
// that the Go init is not charged to the container (its exec'ing thread
// joins memory again last; see cgroups.Manager.MemoryJoinFile).
#define MAX_LEAVES 4
static int leave_fds[MAX_LEAVES];
static int nleaves;

#define MAX_JOINS 16

static int keep_affinity;

static int sync_fd = -1;
int bail_to_stderr;

int sync_socket(void)
{
	return sync_fd;
}

void write_all(const void *buf, size_t n)
{
	const char *p = buf;
	while (n > 0) {
		ssize_t w = write(sync_fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		p += w;
		n -= (size_t)w;
	}
}

// write_pid sends the 'P' record in one write: one wake-up of the parent.
static void write_pid(int32_t pid)
{
	char rec[1 + sizeof(pid)];
	rec[0] = 'P';
	memcpy(rec + 1, &pid, sizeof(pid));
	write_all(rec, sizeof(rec));
}

void bail(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (saved != 0)
		n += snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(saved));
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;

	if (bail_to_stderr) {
		dprintf(2, "berth-runtime: %.*s\n", n, msg);
		_exit(1);
	}
	uint32_t len = (uint32_t)n;
	write_all("E", 1);
	write_all(&len, sizeof(len));
	write_all(msg, len);
	_exit(1);
}

static void read_all(void *buf, size_t n)
{
	char *p = buf;
	while (n > 0) {
		ssize_t r = read(sync_fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = EPIPE;
		if (r <= 0)
			bail("nsenter: read bootstrap");
		p += r;
		n -= (size_t)r;
	}
}

struct join {
	uint32_t type;
	int fd;
	char path[MAX_RECORD];
};

struct bootstrap {
	uint32_t flags;
	int njoins;
	struct join joins[MAX_JOINS];
	char offsets[MAX_RECORD];
	size_t offsets_len;
};

// join_cgroup moves this process into a v1 cgroup by writing "0" to its
// tasks file. A thread that moves itself needs no global threadgroup lock,
// so unlike the parent writing our pid to cgroup.procs this does not wait
// for an RCU grace period (~10 ms). It must happen while we are single-threaded
// and before any namespace changes what the path means.
static void join_cgroup(const char *tasks)
{
	int fd = open(tasks, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("join cgroup: open %s", tasks);
	if (write(fd, "0", 1) != 1)
		bail("join cgroup: write %s", tasks);
	ktrace("write(%s <- 0)", tasks);
	close(fd);
}

static void read_bootstrap(struct bootstrap *b)
{
	for (;;) {
		uint32_t hdr[2];
		read_all(hdr, sizeof(hdr));
		uint32_t kind = hdr[0], len = hdr[1];
		if (len >= MAX_RECORD) {
			errno = 0;
			bail("nsenter: bootstrap record %u too long (%u bytes)", kind, len);
		}
		char buf[MAX_RECORD];
		read_all(buf, len);
		buf[len] = '\0';
		switch (kind) {
		case REC_FLAGS:
			memcpy(&b->flags, buf, sizeof(b->flags));
			break;
		case REC_JOIN:
			if (b->njoins == MAX_JOINS || len <= sizeof(uint32_t)) {
				errno = 0;
				bail("nsenter: bad namespace join record");
			}
			memcpy(&b->joins[b->njoins].type, buf, sizeof(uint32_t));
			memcpy(b->joins[b->njoins].path, buf + sizeof(uint32_t), len - sizeof(uint32_t) + 1);
			b->njoins++;
			break;
		case REC_TIMEOFFSETS:
			memcpy(b->offsets, buf, len);
			b->offsets_len = len;
			break;
		case REC_CGROUP_JOIN:
			join_cgroup(buf);
			break;
		case REC_CGROUP_LEAVE:
			if (nleaves == MAX_LEAVES) {
				errno = 0;
				bail("nsenter: too many cgroup leave records");
			}
			// Opened now: after the namespaces the path may mean nothing.
			leave_fds[nleaves] = open(buf, O_WRONLY | O_CLOEXEC);
			if (leave_fds[nleaves] < 0)
				bail("leave cgroup: open %s", buf);
			nleaves++;
			break;
		case REC_KEEP_AFFINITY:
			keep_affinity = 1;
			break;
		case REC_END:
			return;
		default:
			if (exec_record(kind, buf, len) || setup_record(kind, buf, len))
				break;
			errno = 0;
			bail("nsenter: unknown bootstrap record %u", kind);
		}
	}
}

// read_records reads a later batch of records, up to REC_END: setup.c's
// process, sent once the runtime has built the container.
void read_records(void)
{
	static struct bootstrap more;
	read_bootstrap(&more);
}

static const char *ns_name(uint32_t type)
{
	switch (type) {
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWNS: return "mount";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWNET: return "network";
	case CLONE_NEWUTS: return "uts";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWTIME: return "time";
	}
	return "unknown";
}

// join_namespaces opens every path first (a later setns must not change what
// an earlier path means). With a user namespace to join, the others are tried
// before it with the runtime's credentials, a refusal (EPERM) left for after:
// one the joined user namespace does not own (the host's network namespace,
// runc's issue 4466) is only joinable before, one a rootless runtime may only
// join with the user namespace's credentials only after, as runc. The mount
// namespace comes last of each pass.
static void join_namespaces(struct bootstrap *b)
{
	for (int i = 0; i < b->njoins; i++) {
		b->joins[i].fd = open(b->joins[i].path, O_RDONLY | O_CLOEXEC);
		if (b->joins[i].fd < 0)
			bail("open %s namespace %s", ns_name(b->joins[i].type), b->joins[i].path);
	}
	static const uint32_t order[] = {CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET, CLONE_NEWPID,
					 CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNS};
	int user = -1;
	for (int i = 0; i < b->njoins; i++)
		if (b->joins[i].type == CLONE_NEWUSER)
			user = i;
	for (int pass = user >= 0 ? 0 : 1; pass < 2; pass++) {
		if (pass == 1 && user >= 0) {
			if (setns(b->joins[user].fd, CLONE_NEWUSER) < 0)
				bail("join user namespace %s", b->joins[user].path);
			ktrace("setns(%s, CLONE_NEWUSER)", b->joins[user].path);
			close(b->joins[user].fd);
			b->joins[user].fd = -1;
		}
		for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
			for (int i = 0; i < b->njoins; i++) {
				if (b->joins[i].type != order[o] || b->joins[i].fd < 0)
					continue;
				if (setns(b->joins[i].fd, (int)b->joins[i].type) < 0) {
					if (pass == 0 && errno == EPERM)
						continue;
					bail("join %s namespace %s", ns_name(b->joins[i].type), b->joins[i].path);
				}
				char names[64];
				ktrace("setns(%s, %s)", b->joins[i].path, clone_names(b->joins[i].type, names, sizeof(names)));
				close(b->joins[i].fd);
				b->joins[i].fd = -1;
			}
		}
	}
}

static void become_root(void)
{
	if (setresgid(0, 0, 0) < 0)
		bail("setresgid(0) in the user namespace (is gid 0 mapped?)");
	if (setresuid(0, 0, 0) < 0)
		bail("setresuid(0) in the user namespace (is uid 0 mapped?)");
}

static void new_user_namespace(void)
{
	if (unshare(CLONE_NEWUSER) < 0)
		bail("unshare user namespace");
	ktrace("unshare(CLONE_NEWUSER)");
	char ack;
	// An unprivileged parent may write our maps and setgroups only while we
	// are dumpable (as runc); no container process exists yet to abuse it.
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		bail("prctl(PR_SET_DUMPABLE, 1)");
	write_all("U", 1);
	read_all(&ack, 1);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("prctl(PR_SET_DUMPABLE, 0)");
	if (ack != 'u') {
		errno = 0;
		bail("nsenter: parent did not write the id maps");
	}
	ktrace("the runtime wrote /proc/self/uid_map and gid_map");
}

// enter_new_time_namespace: offsets can only be written before any process is
// in the namespace, so unshare makes it for children, we set its offsets, then
// join it ourselves (which needs one thread: the reason this is C).
//
// A process that is not dumpable has its /proc files owned by the host's
// root, which a new user namespace does not map: its root may not open
// timens_offsets then (EACCES). As for the id maps, we are dumpable only
// for the write, while no container process exists yet.
static void enter_new_time_namespace(struct bootstrap *b)
{
	if (b->offsets_len > 0) {
		int userns = (b->flags & CLONE_NEWUSER) != 0;
		if (userns && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
			bail("prctl(PR_SET_DUMPABLE, 1)");
		int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			bail("open /proc/self/timens_offsets");
		if (write(fd, b->offsets, b->offsets_len) != (ssize_t)b->offsets_len)
			bail("write time namespace offsets \"%s\"", b->offsets);
		close(fd);
		if (userns && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			bail("prctl(PR_SET_DUMPABLE, 0)");
	}
	int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		bail("open /proc/self/ns/time_for_children");
	if (setns(fd, CLONE_NEWTIME) < 0)
		bail("enter new time namespace");
	ktrace("setns(/proc/self/ns/time_for_children, CLONE_NEWTIME)");
	close(fd);
}

// trace_affinity traces the CPUs we start on, before any cgroup is joined
// (process.execCPUAffinity.initial, or the runtime's own).
static void trace_affinity(void)
{
	cpu_set_t cpus;
	if (!trace_on() || sched_getaffinity(0, sizeof(cpus), &cpus) < 0)
		return;
	unsigned long long mask = 0;
	for (int i = 0; i < 64; i++)
		if (CPU_ISSET(i, &cpus))
			mask |= 1ULL << i;
	ktrace("sched_getaffinity(0) = %#llx: the CPUs we start on, before joining cgroups", mask);
}

// reset_affinity lets us run on every CPU our cgroups allow, now that we
// are in them: a runtime pinned by its caller (taskset) must not pin the
// container's processes, and since Linux 6.2 joining a cpuset keeps the
// mask asked for with sched_setaffinity. As runc, the mask asks for all
// CPUs there can be; the kernel narrows it to the cpuset's.
static void reset_affinity(void)
{
	static unsigned long all[65536 / (8 * sizeof(unsigned long))];
	if (keep_affinity)
		return;
	memset(all, 0xff, sizeof(all));
	// As runc, a failure is no reason to fail the container: it only keeps
	// the runtime's affinity.
	if (sched_setaffinity(0, sizeof(all), (cpu_set_t *)all) < 0)
		ktrace("sched_setaffinity(0, all CPUs): %s: the runtime's affinity stays", strerror(errno));
	else
		ktrace("sched_setaffinity(0, all CPUs): the cgroup's cpuset, not the runtime's affinity");
}

static int joins_type(struct bootstrap *b, uint32_t type)
{
	for (int i = 0; i < b->njoins; i++)
		if (b->joins[i].type == type)
			return 1;
	return 0;
}

__attribute__((constructor)) static void berth_nsenter(void)
{
	const char *env = getenv("_BERTH_NSENTER");
	if (env == NULL)
		return;
	sync_fd = atoi(env);
	unsetenv("_BERTH_NSENTER");
	if (sync_fd < 3)
		_exit(1);

	// Until execve, nothing in the container may open our /proc entries
	// (CVE-2019-5736); execve resets this for the container's program.
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		bail("prctl(PR_SET_DUMPABLE)");

	trace_init();
	trace_affinity();
	static struct bootstrap b;
	read_bootstrap(&b);
	reset_affinity();
	join_namespaces(&b);
	if (b.flags & CLONE_NEWUSER)
		new_user_namespace();
	if ((b.flags & CLONE_NEWUSER) || joins_type(&b, CLONE_NEWUSER))
		become_root();

	if ((b.flags & CLONE_NEWCGROUP) && nleaves > 0) {
		if (unshare(CLONE_NEWCGROUP) < 0)
			bail("unshare cgroup namespace");
		ktrace("unshare(CLONE_NEWCGROUP)");
		b.flags &= ~(uint32_t)CLONE_NEWCGROUP;
		for (int i = 0; i < nleaves; i++) {
			if (write(leave_fds[i], "0", 1) != 1)
				bail("leave cgroup");
			ktrace("write(memory cgroup tasks <- 0): leave it until exec");
			close(leave_fds[i]);
		}
	}
	uint32_t rest = b.flags & ~(uint32_t)CLONE_NEWUSER;
	if (rest != 0 && unshare((int)rest) < 0)
		bail("unshare namespaces (flags %#x)", rest);
	if (rest != 0) {
		char names[160];
		ktrace("unshare(%s)", clone_names(rest, names, sizeof(names)));
	}
	if (rest & CLONE_NEWTIME)
		enter_new_time_namespace(&b);

	int32_t pid = (int32_t)getpid();
	if ((rest & CLONE_NEWPID) || joins_type(&b, CLONE_NEWPID)) {
		// A pid namespace applies to children only: fork the container's pid 1
		// and report it; this intermediate process ends here. The child may
		// write to the socket too (execve.c's errors): it waits for the end
		// of the 'P' record, the EOF of gate once we exit.
		int gate[2];
		if (pipe2(gate, O_CLOEXEC) < 0)
			bail("pipe");
		pid_t child = fork();
		if (child < 0)
			bail("fork into the pid namespace");
		if (child > 0) {
			ktrace("fork() = %d: %s", child,
			       (rest & CLONE_NEWPID) ? "pid 1 of the new pid namespace" : "a process in the pid namespace joined");
			write_pid((int32_t)child);
			// Let go of the gate and the socket before exit tears down our
			// memory: the child waits for the gate, the parent for the
			// socket's EOF once the child has exec'd, so both would
			// otherwise wait for the whole exit.
			close(gate[1]);
			close(sync_fd);
			_exit(0);
		}
		close(gate[1]);
		char eof;
		while (read(gate[0], &eof, 1) < 0 && errno == EINTR)
			;
		close(gate[0]);
	} else {
		write_pid(pid);
	}
	// Each container process leads a session of its own, as runc's: a
	// session led from outside its pid namespace (the caller's shell)
	// is one CRIU cannot checkpoint without --shell-job.
	if (setsid() < 0 && getsid(0) != getpid())
		bail("setsid");
	if (setup_requested())
		setup_process();
	if (exec_requested())
		exec_process();
}

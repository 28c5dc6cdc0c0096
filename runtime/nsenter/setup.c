// setup.c: a container's init whose filesystem the runtime builds from its
// own process, so that the init never starts Go.
//
// Why: a second Go program start (runtime, package initialisers, decoding
// the spec again) was a third of `berth-runtime run`. Mounts, pivot_root,
// hostname and the loopback device need no single-threaded process: the
// runtime does them on one locked thread of its own that has joined the
// container's mount, network, uts, ipc and cgroup namespaces
// (runtime/container/setup.go). What must come from a process inside the
// container's pid namespace is a procfs instance: proc takes its pid
// namespace from whoever opens the filesystem context, so this process
// opens it (fsopen) and hands it over.
//
// The runtime's pivot_root moves this process's root along (pivot_root
// changes the root and cwd of every process that had the old root: we
// chdir to it first). Then this file applies the process as execve.c does,
// waits for start on the exec fifo and execs.
//
// Protocol, after nsenter.c's 'P' pid:
//
//	parent                                   child
//	                   <------------------   'S' [+ proc fs_context fd, SCM_RIGHTS]
//	  builds the rootfs on its own thread
//	  REC_EXEC_* records, REC_END -------->  rlimits ... drop privileges (execve.c)
//	                   <------------------   'R' ready (or 'E' len msg)
//	  create returns; start opens the fifo   write to the exec fifo, seccomp, execve
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsenter.h"

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC 0x00000001
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

static struct {
	int requested;
	struct setup_opts opts;
	char keyring[256];
} s;

int setup_record(uint32_t kind, const char *buf, uint32_t len)
{
	switch (kind) {
	case REC_SETUP:
		if (len != sizeof(s.opts)) {
			errno = 0;
			bail("nsenter: setup record is %u bytes, want %zu", len, sizeof(s.opts));
		}
		memcpy(&s.opts, buf, len);
		s.requested = 1;
		return 1;
	case REC_KEYRING:
		snprintf(s.keyring, sizeof(s.keyring), "%s", buf);
		return 1;
	}
	return 0;
}

int setup_requested(void)
{
	return s.requested;
}

// send_ready_for_setup writes 'S', with the procfs context as ancillary
// data when there is one.
static void send_ready_for_setup(int fd)
{
	char byte = 'S';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd >= 0) {
		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sync_socket(), &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		bail("nsenter: send set-up request");
}

// self_fds is our fd directory, opened by prepare_process while we are
// still root: the process's user may not search "/" (a rootfs of mode
// 0700), and reopening the fifo through this fd walks no path from there,
// as runc's procfs handle (thread-self, as runc's: we are one thread). -1
// (no /proc): wait_for_start walks the path.
int self_fds = -1;

// wait_for_start blocks until `start` opens the fifo for reading, as
// initproc's waitForStart. The fd it opens stays open and close-on-exec:
// start sees the fifo's EOF once the program has exec'd.
static void wait_for_start(int self_fds, int fifo)
{
	char path[64];
	snprintf(path, sizeof(path), self_fds >= 0 ? "%d" : "/proc/self/fd/%d", fifo);
	int fd = openat(self_fds >= 0 ? self_fds : AT_FDCWD, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		bail("open exec fifo");
	if (write(fd, "0", 1) != 1)
		bail("write exec fifo");
	ktrace("write(exec fifo): started");
	close(fifo);
	if (self_fds >= 0)
		close(self_fds);
}

void setup_process(void)
{
	// Our cwd is the runtime's: make it the old root, which pivot_root
	// replaces by the new one.
	if (chdir("/") < 0)
		bail("chdir /");
	// The container gets its own session keyring, named as runc names it,
	// so it cannot see the host's keys.
	if (s.keyring[0] != '\0' && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s.keyring) < 0 &&
	    errno != ENOSYS)
		bail("join a new session keyring");
	if (s.keyring[0] != '\0')
		ktrace("keyctl(KEYCTL_JOIN_SESSION_KEYRING, \"%s\")", s.keyring);
	int proc = -1;
	if (s.opts.proc) {
		proc = (int)syscall(SYS_fsopen, "proc", FSOPEN_CLOEXEC);
		if (proc < 0)
			bail("fsopen proc");
		ktrace("fsopen(\"proc\", FSOPEN_CLOEXEC) = %d: sent to the runtime, which mounts it", proc);
	}
	send_ready_for_setup(proc);
	if (proc >= 0)
		close(proc);
	// The runtime builds the container now, then sends the process.
	read_records();
	if (s.opts.fifo_fd >= 0)
		self_fds = -2;
	const char *prog = prepare_process();
	write_all("R", 1);
	bail_to_stderr = 1;
	if (s.opts.fifo_fd >= 0)
		wait_for_start(self_fds, s.opts.fifo_fd);
	exec_prepared(prog);
}

// execve.c: a process exec'd into a running container, set up and started
// by the constructor itself, before any Go runs in it.
//
// Why C: `berth-runtime exec` of a short program spends most of its time in
// the child starting a second Go runtime and decoding a JSON config, only to
// do a dozen syscalls and execve. Here the parent (runtime/container/exec.go)
// has resolved everything that needs thought: capability sets as bitmasks,
// rlimits as numbers, HOME from the container's /etc/passwd, the seccomp
// filter compiled to BPF. This file only applies them, in runtime/initproc's
// order (see prepareProcess and dropPrivileges there, which stay the
// reference and handle execs with a terminal, a seccomp agent or LSM label).
//
// Protocol, on nsenter.c's socket and in its record framing:
//
//	parent                                    child
//	  bootstrap records, with REC_EXEC_* -->  (nsenter.c) cgroups, namespaces,
//	                                          fork into the pid namespace
//	                   <------------------    'P' pid
//	                                          rlimits, oom_score_adj, find the
//	                                          program, cwd, umask, fds
//	                                          close-on-exec, [seccomp if no nnp],
//	                                          bounding set, ids, caps,
//	                                          no_new_privs, [seccomp if nnp]
//	                   <------------------    'E' len msg    on failure, else
//	                   <------------------    EOF: the socket is close-on-exec,
//	                                          so execve has succeeded
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsenter.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// Grown with each record: argv and envp are NULL-terminated for execve.
static struct {
	char **argv, **envp;
	size_t argc, envc;
	char *cwd;
	struct exec_ids *ids;
	struct exec_caps caps;
	struct exec_rlimit *rlimits;
	size_t nrlimits;
	struct exec_misc misc;
	struct sock_filter *bpf;
	size_t bpf_len;
} x;

static void *grow(void *p, size_t n, size_t size)
{
	p = realloc(p, n * size);
	if (p == NULL)
		bail("exec: out of memory");
	return p;
}

static void want_len(uint32_t kind, uint32_t len, size_t want)
{
	if (len != want) {
		errno = 0;
		bail("nsenter: exec record %u is %u bytes, want %zu", kind, len, want);
	}
}

int exec_record(uint32_t kind, const char *buf, uint32_t len)
{
	switch (kind) {
	case REC_EXEC_ARG:
		x.argv = grow(x.argv, x.argc + 2, sizeof(char *));
		x.argv[x.argc++] = strdup(buf);
		x.argv[x.argc] = NULL;
		return 1;
	case REC_EXEC_ENV:
		x.envp = grow(x.envp, x.envc + 2, sizeof(char *));
		x.envp[x.envc++] = strdup(buf);
		x.envp[x.envc] = NULL;
		return 1;
	case REC_EXEC_CWD:
		x.cwd = strdup(buf);
		return 1;
	case REC_EXEC_IDS:
		if (len < sizeof(struct exec_ids))
			want_len(kind, len, sizeof(struct exec_ids));
		x.ids = grow(NULL, 1, len);
		memcpy(x.ids, buf, len);
		want_len(kind, len, sizeof(struct exec_ids) + x.ids->ngids * sizeof(uint32_t));
		return 1;
	case REC_EXEC_CAPS:
		want_len(kind, len, sizeof(x.caps));
		memcpy(&x.caps, buf, len);
		return 1;
	case REC_EXEC_RLIMIT:
		want_len(kind, len, sizeof(struct exec_rlimit));
		x.rlimits = grow(x.rlimits, x.nrlimits + 1, sizeof(struct exec_rlimit));
		memcpy(&x.rlimits[x.nrlimits++], buf, len);
		return 1;
	case REC_EXEC_MISC:
		want_len(kind, len, sizeof(x.misc));
		memcpy(&x.misc, buf, len);
		return 1;
	case REC_EXEC_BPF: // a filter longer than a record comes in pieces
		if (len % sizeof(struct sock_filter) != 0)
			want_len(kind, len, len - len % sizeof(struct sock_filter));
		x.bpf = grow(x.bpf, x.bpf_len + len / sizeof(struct sock_filter), sizeof(struct sock_filter));
		memcpy(x.bpf + x.bpf_len, buf, len);
		x.bpf_len += len / sizeof(struct sock_filter);
		return 1;
	}
	return 0;
}

int exec_requested(void)
{
	return x.argc > 0;
}

// find_program is initproc's lookPath: the container's own PATH (from the
// process's env, not ours), regular executable files only.
static const char *find_program(const char *name)
{
	struct stat st;
	if (strchr(name, '/') != NULL) {
		if (stat(name, &st) < 0)
			bail("exec: \"%s\"", name);
		// As runc (Go's exec.LookPath): a directory or a file without an
		// execute bit fails here, before start, so that engines can tell
		// "cannot be invoked" (Docker's 126) from the process's own exit.
		if (S_ISDIR(st.st_mode) || !(st.st_mode & 0111)) {
			errno = EACCES;
			bail("exec: \"%s\"", name);
		}
		return name;
	}
	const char *path = "";
	for (size_t i = 0; i < x.envc; i++)
		if (strncmp(x.envp[i], "PATH=", 5) == 0)
			path = x.envp[i] + 5;
	static char buf[4096];
	for (const char *p = path;; p++) {
		const char *end = strchrnul(p, ':');
		int n = end == p ? snprintf(buf, sizeof(buf), "./%s", name)
				 : snprintf(buf, sizeof(buf), "%.*s/%s", (int)(end - p), p, name);
		if (n > 0 && (size_t)n < sizeof(buf) && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
			return buf;
		if (*end == '\0')
			break;
		p = end;
	}
	errno = 0;
	bail("exec: \"%s\": executable file not found in $PATH", name);
}

static void load_seccomp(void)
{
	if (x.bpf_len == 0)
		return;
	struct sock_fprog prog = {.len = (unsigned short)x.bpf_len, .filter = x.bpf};
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, x.misc.seccomp_flags, &prog) < 0)
		bail("load seccomp filter");
	ktrace("seccomp(SECCOMP_SET_MODE_FILTER, %#x, {len=%zu instructions})", x.misc.seccomp_flags, x.bpf_len);
}

// drop_privileges is initproc's dropPrivileges: bounding set (needs
// CAP_SETPCAP, so first), groups and ids keeping the permitted set, then
// the capability sets, ambient last, and no_new_privs.
static void drop_privileges(void)
{
	for (uint32_t n = 0; n <= x.caps.last && n < 64; n++)
		if (!(x.caps.bounding & (1ULL << n)) && prctl(PR_CAPBSET_DROP, n, 0, 0, 0) < 0)
			bail("drop capability %u from the bounding set", n);
	ktrace("prctl(PR_CAPBSET_DROP, ...): bounding set now %#llx", (unsigned long long)x.caps.bounding);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		bail("set keepcaps");
	// The container must not keep the runtime's groups, so even an empty
	// list is set. Raw syscalls: one thread, and no libc set*id broadcast.
	if (x.ids->setgroups && syscall(SYS_setgroups, (size_t)x.ids->ngids, x.ids->gids) < 0)
		bail("setgroups");
	if (syscall(SYS_setresgid, x.ids->gid, x.ids->gid, x.ids->gid) < 0)
		bail("setresgid %u", x.ids->gid);
	if (syscall(SYS_setresuid, x.ids->uid, x.ids->uid, x.ids->uid) < 0)
		bail("setresuid %u", x.ids->uid);
	ktrace("setgroups(%u groups), setresgid(%u), setresuid(%u)", x.ids->setgroups ? (unsigned)x.ids->ngids : 0,
	       x.ids->gid, x.ids->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		bail("clear keepcaps");
	// capset(2) by hand: struct __user_cap_data_struct, version 3, two halves.
	struct {
		uint32_t version;
		int pid;
	} hdr = {0x20080522, 0};
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];
	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(x.caps.effective >> (32 * i));
		data[i].permitted = (uint32_t)(x.caps.permitted >> (32 * i));
		data[i].inheritable = (uint32_t)(x.caps.inheritable >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		bail("capset");
	ktrace("capset(effective=%#llx, permitted=%#llx, inheritable=%#llx)", (unsigned long long)x.caps.effective,
	       (unsigned long long)x.caps.permitted, (unsigned long long)x.caps.inheritable);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		bail("clear the ambient set");
	// As initproc (and runc 1.1): an ambient capability that is not both
	// permitted and inheritable is skipped, not an error.
	for (uint32_t n = 0; n <= x.caps.last && n < 64; n++)
		if (x.caps.ambient & (1ULL << n))
			prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, n, 0, 0);
	if (x.misc.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		bail("set no_new_privs");
	if (x.misc.no_new_privs)
		ktrace("prctl(PR_SET_NO_NEW_PRIVS, 1)");
}

// open_proc_file opens rel for writing in the procfs at /proc as
// runtime/kfile does: /proc must be a procfs root, and rel is reached
// without crossing a mount or a magic link, so a mount raced over the file
// fails the write instead of taking it (CVE-2025-52881).
static int open_proc_file(const char *rel)
{
	int proc = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	struct stat st;
	if (proc < 0 || fstatfs(proc, &sf) < 0 || fstat(proc, &st) < 0)
		bail("open procfs /proc");
	if (sf.f_type != PROC_SUPER_MAGIC || st.st_ino != 1) {
		errno = 0;
		bail("open procfs /proc: not the root of a procfs");
	}
	struct open_how how = {
		.flags = O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, proc, rel, &how, sizeof(how));
	if (fd < 0 && errno == EXDEV)
		bail("write to /proc/%s: something is mounted over it, refusing", rel);
	if (fd < 0)
		bail("open /proc/%s", rel);
	close(proc);
	return fd;
}

// prepare_process does everything before the wait for start and returns
// the program to exec.
const char *prepare_process(void)
{
	if (x.ids == NULL || x.cwd == NULL) {
		errno = 0;
		bail("nsenter: exec records without ids or cwd");
	}
	for (size_t i = 0; i < x.nrlimits; i++) {
		struct rlimit rl = {.rlim_cur = x.rlimits[i].soft, .rlim_max = x.rlimits[i].hard};
		if (setrlimit((int)x.rlimits[i].resource, &rl) < 0)
			bail("set rlimit %u to soft %llu, hard %llu", x.rlimits[i].resource,
			     (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
		static const char *const rlimit_names[] = {"RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK",
			"RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",
			"RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME"};
		uint32_t r = x.rlimits[i].resource;
		ktrace("setrlimit(%s, {cur=%llu, max=%llu})", r < 16 ? rlimit_names[r] : "?", (unsigned long long)rl.rlim_cur,
		       (unsigned long long)rl.rlim_max);
	}
	if (x.misc.set_oom_score_adj) {
		char v[16];
		int n = snprintf(v, sizeof(v), "%d", x.misc.oom_score_adj);
		int fd = open_proc_file("self/oom_score_adj");
		if (write(fd, v, (size_t)n) != n)
			bail("write %s to /proc/self/oom_score_adj", v);
		close(fd);
	}
	const char *prog = find_program(x.argv[0]);
	if (chdir(x.cwd) < 0)
		bail("chdir to cwd (\"%s\") set in config.json", x.cwd);
	// CVE-2024-21626: a cwd reached through a leaked fd is outside the
	// root, and getcwd shows it as "(unreachable)...", not an absolute path.
	char wd[4096];
	if (getcwd(wd, sizeof(wd)) == NULL || wd[0] != '/') {
		errno = 0;
		bail("cwd \"%s\" is outside the container's root", x.cwd);
	}
	if (self_fds == -2)
		self_fds = open("/proc/thread-self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x.misc.umask >= 0)
		umask((mode_t)x.misc.umask);
	// CVE-2024-21626: no fd of the runtime may reach the program.
	if (syscall(SYS_close_range, 3 + x.misc.pass_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		bail("mark runtime fds close-on-exec");
	// Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before
	// the drop (the spec's order); with it, as late as possible.
	if (!x.misc.no_new_privs)
		load_seccomp();
	drop_privileges();
	return prog;
}

void exec_prepared(const char *prog)
{
	if (x.misc.no_new_privs)
		load_seccomp();
	if (trace_on()) {
		char argv[1024];
		size_t n = 0;
		for (char **a = x.argv; *a != NULL && n < sizeof(argv); a++)
			n += (size_t)snprintf(argv + n, sizeof(argv) - n, "%s\"%s\"", a == x.argv ? "" : ", ", *a);
		ktrace("execve(\"%s\", [%s])", prog, argv);
	}
	execve(prog, x.argv, x.envp);
	if (bail_to_stderr) {
		// After start, in runc's words, which scripts match:
		// "exec /run.sh: no such file or directory" (Go's lower case).
		char why[128];
		snprintf(why, sizeof(why), "%s", strerror(errno));
		why[0] = (char)tolower((unsigned char)why[0]);
		dprintf(2, "exec %s: %s\n", x.argv[0], why);
		_exit(1);
	}
	bail("exec %s", x.argv[0]);
}

void exec_process(void)
{
	exec_prepared(prepare_process());
}

// idlemon.c: the idle phase of a detached container's monitor. It runs as an
// ELF constructor, before the Go runtime starts, in the monitor process that
// re-executed itself once the container was running.
//
// Why C: a Go process costs ~2.5 MB of private memory however little it does
// (heap arenas, stacks, GC metadata); this loop needs ~0.2 MB. An idle
// container only needs its output logged and its exit noticed; everything
// else (records, OOM, --rm, restarts, attach) stays in Go, which this file
// re-executes when there is work for it. The whole protocol is drawn in
// engine/monitor.go; this file's part:
//
//	Go monitor                                this constructor
//	  container started, record written
//	  clears FD_CLOEXEC on the pipes, execs
//	  itself with $_BERTH_IDLE  ------------>  (same pid: still the parent and
//	                                           subreaper of the container)
//	                                           pipes -> json-file log, rotated
//	                                           signals -> forwarded to the container
//	                                           SIGCHLD -> reaps; once the container
//	                                             exited, drains the pipes (2 s at most)
//	                  <--------------------    execs itself again with
//	                                             BERTH_MONITOR_RESUME=exit:<code>
//	                                           or, when the attach socket has a
//	                                           client waiting, at once with
//	                                             BERTH_MONITOR_RESUME=wake
//
// With a healthcheck, a timerfd fires each probe: a fork that re-executes
// berth with $_BERTH_HEALTH=1 (engine/health_run.go), which runs the test
// in the container, records it and writes the wait before the next probe,
// in ms, to its fd 3, a pipe this loop reads. One probe at a time; the
// loop itself stays a timer and a pipe.
//
// $_BERTH_IDLE is "<pid>:<out fd>:<err fd>:<wake fd>:<max log bytes>:<log files>:<first probe ms>:<log path>"
// (fd -1: none; with a terminal, out is the pty master and err is -1). The
// argv is kept; every other environment variable is passed on unchanged, so
// Go finds its fds again where it left them.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ENV_IDLE "_BERTH_IDLE"
#define ENV_RESUME "BERTH_MONITOR_RESUME"
#define ENV_HEALTH "_BERTH_HEALTH=1"
// Docker cuts log lines at 16 KiB; so does engine/jsonlog.
#define LINE_MAX_BYTES (16 << 10)

struct stream {
	int fd;
	int done; // at end of file; the fd stays open, its number known to Go
	const char *name;
	size_t len;
	char line[LINE_MAX_BYTES];
};

static struct stream out = {.name = "stdout"}, err = {.name = "stderr"};
static const char *log_path;
static int log_fd = -1;
static long long log_size, log_max, log_files;
// Big enough for a whole line with every byte escaped as \u00XX.
static char entry[LINE_MAX_BYTES * 6 + 128];

static void open_log(void)
{
	struct stat st;
	log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	log_size = (log_fd >= 0 && fstat(log_fd, &st) == 0) ? st.st_size : 0;
}

// rotate shifts the old files up by one and drops the oldest, keeping
// log_files in all, as engine/jsonlog does (json-file's max-file).
static void rotate(void)
{
	char from[4096], to[4096];
	if (snprintf(to, sizeof(to), "%s.%lld", log_path, log_files - 1) >= (int)sizeof(to))
		return;
	unlink(to);
	for (long long n = log_files - 2; n >= 1; n--) {
		snprintf(from, sizeof(from), "%s.%lld", log_path, n);
		snprintf(to, sizeof(to), "%s.%lld", log_path, n + 1);
		rename(from, to);
	}
	snprintf(to, sizeof(to), "%s.1", log_path);
	if ((log_files > 1 ? rename(log_path, to) : unlink(log_path)) != 0)
		return;
	close(log_fd);
	open_log();
}

// log_line writes one json-file entry, escaped as Go's encoding/json does.
static void log_line(const char *stream, const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	struct timespec ts;
	struct tm tm;
	size_t k = 0;

	k += (size_t)sprintf(entry, "{\"log\":\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		switch (c) {
		case '"': entry[k++] = '\\'; entry[k++] = '"'; break;
		case '\\': entry[k++] = '\\'; entry[k++] = '\\'; break;
		case '\n': entry[k++] = '\\'; entry[k++] = 'n'; break;
		case '\r': entry[k++] = '\\'; entry[k++] = 'r'; break;
		case '\t': entry[k++] = '\\'; entry[k++] = 't'; break;
		default:
			if (c < 0x20 || c == '<' || c == '>' || c == '&') {
				memcpy(entry + k, "\\u00", 4);
				entry[k + 4] = hex[c >> 4];
				entry[k + 5] = hex[c & 15];
				k += 6;
			} else {
				entry[k++] = (char)c;
			}
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	k += (size_t)sprintf(entry + k, "\",\"stream\":\"%s\",\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ\"}\n",
			     stream, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
	if (log_fd >= 0 && log_size > 0 && log_size + (long long)k > log_max)
		rotate();
	if (log_fd < 0)
		return;
	ssize_t w = write(log_fd, entry, k);
	if (w > 0)
		log_size += w;
}

static void flush(struct stream *s)
{
	if (s->len > 0)
		log_line(s->name, s->line, s->len);
	s->len = 0;
}

// pump reads what s has; it returns 0 at end of file (EIO on a pty master
// whose other side closed) and 1 otherwise.
static int pump(struct stream *s)
{
	char buf[8192];
	ssize_t n = read(s->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	if (n == 0)
		return 0;
	for (ssize_t i = 0; i < n; i++) {
		s->line[s->len++] = buf[i];
		if (buf[i] == '\n' || s->len == LINE_MAX_BYTES)
			flush(s);
	}
	return 1;
}

static long long num(char **p)
{
	char *end;
	long long v = strtoll(*p, &end, 10);
	if (end == *p || *end != ':')
		_exit(125); // Go wrote this; a bad value is a bug, not an input
	*p = end + 1;
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// env_without copies envp without $_BERTH_IDLE into env, adding extra.
static void env_without(char **envp, char **env, char *extra)
{
	size_t k = 0;
	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], ENV_IDLE "=", sizeof(ENV_IDLE)) != 0)
			env[k++] = envp[i];
	env[k++] = extra;
	env[k] = NULL;
}

static void arm(int tfd, long long ms)
{
	struct itimerspec it = {.it_value = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000}};
	timerfd_settime(tfd, 0, &it, NULL);
}

// probe forks one health-mode berth and returns the read end of its
// report pipe, -1 if it could not.
static int probe(char **argv, char **envp, const sigset_t *orig)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	size_t n = 0;
	while (envp[n])
		n++;
	char *env[n + 2];
	env_without(envp, env, ENV_HEALTH);
	pid_t child = fork();
	if (child == 0) {
		// Fds from 4 up are closed by berth at once (fds.CloseInherited).
		if (p[1] == 3)
			fcntl(3, F_SETFD, 0);
		else if (dup2(p[1], 3) != 3)
			_exit(125);
		sigprocmask(SIG_SETMASK, orig, NULL);
		execve("/proc/self/exe", argv, env);
		_exit(125);
	}
	close(p[1]);
	if (child < 0) {
		close(p[0]);
		return -1;
	}
	return p[0];
}

// resume re-executes berth with why added to the environment.
static void resume(char **argv, char **envp, const sigset_t *orig, const char *why)
{
	size_t n = 0;
	while (envp[n])
		n++;
	char *env[n + 2];
	char what[64];
	snprintf(what, sizeof(what), ENV_RESUME "=%s", why);
	env_without(envp, env, what);
	flush(&out);
	flush(&err);
	if (log_fd >= 0)
		close(log_fd);
	if (strcmp(why, "wake") != 0) {
		// The run is over: Go must not find the pipes (it does not look).
		close(out.fd);
		close(err.fd);
	}
	sigprocmask(SIG_SETMASK, orig, NULL);
	execve("/proc/self/exe", argv, env);
	_exit(125);
}

// reap collects every exited child; a subreaper also gets orphans from
// inside the container. Once pid is among them, exited and code are set.
static void reap(pid_t pid, int *exited, int *code, long long *deadline)
{
	int status;
	pid_t got;
	while ((got = waitpid(-1, &status, WNOHANG)) > 0) {
		if (got != pid || *exited)
			continue;
		*exited = 1;
		*code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
		// A process that escaped the container may hold a pipe open: do
		// not wait for it for long (as engine's runOnce).
		*deadline = now_ms() + 2000;
	}
}

// drop_segments lets go of the binary's read-only pages that starting up
// touched (the Go runtime's and the other constructors' text, and the
// kernel's fault-around of 64 KiB each): ~1 MiB of a 40 MiB binary that
// this loop never runs again. They are clean file pages, so the kernel
// reads back only those the loop uses. Writable segments are left alone.
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
		madvise((void *)start, end - start, MADV_DONTNEED);
	}
	return 1; // the executable is the first object: enough
}

__attribute__((constructor)) static void berth_idlemon(int argc, char **argv, char **envp)
{
	(void)argc;
	char *spec = getenv(ENV_IDLE);
	if (spec == NULL)
		return;
	pid_t pid = (pid_t)num(&spec);
	out.fd = (int)num(&spec);
	err.fd = (int)num(&spec);
	int wake = (int)num(&spec);
	log_max = num(&spec);
	log_files = num(&spec);
	long long wait_ms = num(&spec);
	log_path = spec;
	open_log();

	sigset_t mask, orig;
	sigemptyset(&mask);
	int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&mask, forwarded[i]);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &orig);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);

	// Probes: tfd fires each, rfd is the running one's report.
	int tfd = wait_ms > 0 ? timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC) : -1;
	int rfd = -1;
	char rep[32];
	size_t rep_len = 0;
	if (tfd >= 0)
		arm(tfd, wait_ms);
	int exited = 0, code = 0;
	long long deadline = 0;
	dl_iterate_phdr(drop_segments, NULL);
	// The container may have exited before SIGCHLD was blocked, its signal
	// taken by Go's handler or lost in the exec: look once first.
	reap(pid, &exited, &code, &deadline);
	for (;;) {
		struct pollfd fds[6] = {
			{.fd = out.done ? -1 : out.fd, .events = POLLIN},
			{.fd = err.done ? -1 : err.fd, .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = exited ? -1 : wake, .events = POLLIN},
			{.fd = exited ? -1 : tfd, .events = POLLIN},
			{.fd = rfd, .events = POLLIN},
		};
		if (exited && (out.done || out.fd < 0) && (err.done || err.fd < 0))
			break;
		int timeout = -1;
		if (exited) {
			timeout = (int)(deadline - now_ms());
			if (timeout <= 0)
				break;
		}
		if (poll(fds, 6, timeout) < 0) {
			if (errno == EINTR)
				continue;
			_exit(125);
		}
		struct stream *ss[2] = {&out, &err};
		for (int i = 0; i < 2; i++) {
			if (fds[i].revents && !pump(ss[i])) {
				flush(ss[i]);
				ss[i]->done = 1;
			}
		}
		if (fds[2].revents) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo != SIGCHLD && !exited)
				kill(pid, (int)si.ssi_signo);
			reap(pid, &exited, &code, &deadline);
		}
		if (fds[4].revents) {
			long long ticks;
			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks) && rfd < 0) {
				rep_len = 0;
				if ((rfd = probe(argv, envp, &orig)) < 0)
					arm(tfd, wait_ms); // try again later
			}
		}
		if (fds[5].revents) {
			ssize_t r = read(rfd, rep + rep_len, sizeof(rep) - 1 - rep_len);
			if (r > 0) {
				rep_len += (size_t)r;
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				// The probe is done: its report is the next wait.
				rep[rep_len] = 0;
				long long ms = strtoll(rep, NULL, 10);
				if (ms > 0)
					wait_ms = ms;
				close(rfd);
				rfd = -1;
				arm(tfd, wait_ms);
			}
		}
		if (fds[3].revents && !exited)
			resume(argv, envp, &orig, "wake");
	}
	char why[32];
	snprintf(why, sizeof(why), "exit:%d", code);
	resume(argv, envp, &orig, why);
}

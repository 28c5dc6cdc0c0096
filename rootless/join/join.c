// Joins rootless berth's store namespaces before the Go runtime starts:
// setns(2) into a user namespace needs a single-threaded process, which a
// Go program never is by the time main runs.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void fail(const char *what, const char *pid)
{
	fprintf(stderr, "berth: rootless: %s of the store's pause process %s: %s (run berth again to start a new one)\n",
		what, pid, strerror(errno));
	exit(125);
}

__attribute__((constructor)) static void berth_userns_join(void)
{
	const char *pid = getenv("_BERTH_USERNS_JOIN");
	char path[64];
	char *cwd;
	int userfd, mntfd, cwdfd;

	if (pid == NULL || *pid == '\0')
		return;
	// Both are opened first: once in the user namespace, the pause
	// process's /proc entries are still ours, but keep it one step.
	snprintf(path, sizeof(path), "/proc/%s/ns/user", pid);
	if ((userfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		fail("open the user namespace", pid);
	snprintf(path, sizeof(path), "/proc/%s/ns/mnt", pid);
	if ((mntfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		fail("open the mount namespace", pid);
	// setns(CLONE_NEWNS) moves the working directory to the namespace's
	// root: keep the caller's, or relative paths (berth build ., cp ./f,
	// load -i f.tar) name files under / instead.
	cwd = getcwd(NULL, 0);
	cwdfd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (setns(userfd, CLONE_NEWUSER) < 0)
		fail("join the user namespace", pid);
	if (setns(mntfd, CLONE_NEWNS) < 0)
		fail("join the mount namespace", pid);
	close(userfd);
	close(mntfd);
	// By path first: the store's mount namespace is a copy of the host's,
	// so the same path is the same directory, and getcwd stays a path.
	// The saved fd is for a directory that path no longer reaches there.
	if ((cwd == NULL || chdir(cwd) < 0) && cwdfd >= 0 && fchdir(cwdfd) < 0)
		fail("keep the working directory", pid);
	free(cwd);
	if (cwdfd >= 0)
		close(cwdfd);
	// The user's own uid and gid are 0 in there: no setuid needed.
	unsetenv("_BERTH_USERNS_JOIN");
}

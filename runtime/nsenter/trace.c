// trace.c: the constructor's side of `berth-runtime --trace`. The runtime
// passes its trace file as a descriptor named in $_BERTH_TRACE ("fd,format");
// each step is one line in internal/ktrace's format, made and written in one
// write(2) so that it does not interleave with the runtime's lines.
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nsenter.h"

static int trace_fd = -1;
static int trace_json;

void trace_init(void)
{
	const char *env = getenv("_BERTH_TRACE");
	if (env == NULL)
		return;
	int fd = atoi(env);
	const char *comma = strchr(env, ',');
	if (fd < 3)
		return;
	trace_fd = fd;
	trace_json = comma != NULL && strcmp(comma + 1, "json") == 0;
}

int trace_on(void)
{
	return trace_fd >= 0;
}

void ktrace(const char *fmt, ...)
{
	if (trace_fd < 0)
		return;
	int saved = errno;
	char call[2048], line[4608];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);

	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	long usec = ts.tv_nsec / 1000;
	int n;
	if (trace_json) {
		// The call as a JSON string: escape quotes, backslashes and controls.
		char esc[4200];
		size_t j = 0;
		for (const char *p = call; *p != '\0' && j + 7 < sizeof(esc); p++) {
			unsigned char c = (unsigned char)*p;
			if (c == '"' || c == '\\') {
				esc[j++] = '\\';
				esc[j++] = (char)c;
			} else if (c < 0x20) {
				j += (size_t)snprintf(esc + j, sizeof(esc) - j, "\\u%04x", c);
			} else {
				esc[j++] = (char)c;
			}
		}
		esc[j] = '\0';
		n = snprintf(line, sizeof(line),
			     "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ\",\"proc\":\"nsenter\",\"pid\":%d,\"call\":\"%s\"}\n",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, usec,
			     (int)getpid(), esc);
	} else {
		n = snprintf(line, sizeof(line), "%02d:%02d:%02d.%06ld nsenter[%d] %s\n", tm.tm_hour, tm.tm_min,
			     tm.tm_sec, usec, (int)getpid(), call);
	}
	if (n > (int)sizeof(line))
		n = sizeof(line);
	if (n > 0 && write(trace_fd, line, (size_t)n) < 0) {
		// A trace that cannot be written must not fail the container.
	}
	errno = saved;
}

const char *clone_names(uint32_t flags, char *buf, size_t size)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{0x10000000, "CLONE_NEWUSER"}, {0x20000000, "CLONE_NEWPID"},	{0x00020000, "CLONE_NEWNS"},
		{0x04000000, "CLONE_NEWUTS"},  {0x08000000, "CLONE_NEWIPC"},	{0x40000000, "CLONE_NEWNET"},
		{0x02000000, "CLONE_NEWCGROUP"}, {0x00000080, "CLONE_NEWTIME"},
	};
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", n ? "|" : "", names[i].name);
		flags &= ~names[i].bit;
	}
	if (flags != 0)
		snprintf(buf + n, n < size ? size - n : 0, "%s%#x", n ? "|" : "", flags);
	if (buf[0] == '\0')
		snprintf(buf, size, "0");
	return buf;
}

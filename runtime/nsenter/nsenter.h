// nsenter.h: what nsenter.c (namespaces) and execve.c (a non-terminal
// exec, started from the constructor) share.
#include <stddef.h>
#include <stdint.h>

#include "records.h"

// bail reports an error to the parent ('E' len msg) and exits.
void bail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

// exec_record keeps one REC_EXEC_* record; 0 if kind is not one.
int exec_record(uint32_t kind, const char *buf, uint32_t len);
// exec_requested says whether the bootstrap asked for an exec in C.
int exec_requested(void);
// exec_process sets the process up and execs it; it never returns.
void exec_process(void) __attribute__((noreturn));
// prepare_process is exec_process up to the wait for start: it returns the
// program for exec_prepared, which loads a last seccomp filter and execs.
const char *prepare_process(void);
// self_fds, if it is -2 when prepare_process starts, becomes an O_PATH fd
// of /proc/thread-self/fd opened right after the chdir to the cwd (-1
// without a /proc): opened any earlier, a cwd of /proc/self/fd/N could
// name it (CVE-2024-21626).
extern int self_fds;
void exec_prepared(const char *prog) __attribute__((noreturn));

// setup_record keeps one REC_SETUP or REC_KEYRING record; 0 if kind is not one.
int setup_record(uint32_t kind, const char *buf, uint32_t len);
// setup_requested says whether the bootstrap asked for setup.c's path.
int setup_requested(void);
// setup_process waits while the runtime builds the container, then
// prepares the process, reports ready, waits for start and execs.
void setup_process(void) __attribute__((noreturn));

// The parent's socket, and its record reader (nsenter.c).
int sync_socket(void);
void write_all(const void *buf, size_t n);
void read_records(void);
// bail_to_stderr makes bail print to stderr: once create has returned,
// nobody reads the socket.
extern int bail_to_stderr;

// The trace (trace.c): trace_init reads $_BERTH_TRACE; ktrace writes one
// step when tracing; clone_names spells CLONE_NEW* bits as the man pages.
void trace_init(void);
int trace_on(void);
void ktrace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *clone_names(uint32_t flags, char *buf, size_t size);

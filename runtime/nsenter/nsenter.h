// nsenter.h: what nsenter.c (namespaces) and execve.c (a non-terminal
// exec, started from the constructor) share.
#include <stdint.h>

// Record kinds of an exec done in C; keep in sync with exec.go. The
// bootstrap's own kinds (1-6) are in nsenter.c.
enum {
	REC_EXEC_ARG = 7,     // one argv string
	REC_EXEC_ENV = 8,     // one "KEY=value"
	REC_EXEC_CWD = 9,     // the working directory
	REC_EXEC_IDS = 10,    // struct exec_ids
	REC_EXEC_CAPS = 11,   // struct exec_caps
	REC_EXEC_RLIMIT = 12, // struct exec_rlimit, one per limit
	REC_EXEC_MISC = 13,   // struct exec_misc
	REC_EXEC_BPF = 14,    // struct sock_filter[], in pieces
};

// bail reports an error to the parent ('E' len msg) and exits.
void bail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

// exec_record keeps one REC_EXEC_* record; 0 if kind is not one.
int exec_record(uint32_t kind, const char *buf, uint32_t len);
// exec_requested says whether the bootstrap asked for an exec in C.
int exec_requested(void);
// exec_process sets the process up and execs it; it never returns.
void exec_process(void) __attribute__((noreturn));

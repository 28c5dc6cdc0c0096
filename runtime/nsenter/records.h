// records.h: the bootstrap's wire format, defined once. The runtime (Go)
// writes records of { uint32 kind, uint32 len, payload[len] } on the sync
// socket and the constructor (C) reads them. Go takes the kinds, the
// record bound and the structs' layout from this header through cgo
// (records.go), so the two sides cannot drift; records_test.go checks the
// Go encoders against these layouts.
#ifndef BERTH_NSENTER_RECORDS_H
#define BERTH_NSENTER_RECORDS_H

#include <stdint.h>

// A record's payload must be shorter than this (nsenter.c's buffer).
#define MAX_RECORD 4096

// The bootstrap's own kinds (nsenter.c).
enum {
	REC_FLAGS = 1,        // uint32 CLONE_NEW* flags
	REC_JOIN = 2,         // uint32 CLONE_NEW* type, then a namespace path
	REC_TIMEOFFSETS = 3,  // /proc/self/timens_offsets' text
	REC_END = 4,          // the end of a batch
	REC_CGROUP_JOIN = 5,  // a cgroup.procs (or tasks) file to join
	REC_CGROUP_LEAVE = 6, // a tasks file to write 0 to after unshare
	REC_KEEP_AFFINITY = 17, // no payload: keep the CPU affinity (execCPUAffinity)
};

// An exec done in C (execve.c).
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

// A container whose set-up the runtime does (setup.c).
enum {
	REC_SETUP = 15,   // struct setup_opts
	REC_KEYRING = 16, // the session keyring's name
};

// The fixed-size payloads, in the host's byte order.
struct exec_ids {
	uint32_t uid, gid;
	uint32_t setgroups; // 0: the user namespace denies setgroups(2)
	uint32_t ngids;
	uint32_t gids[];
};
struct exec_caps {
	uint64_t bounding, effective, permitted, inheritable, ambient;
	uint32_t last; // /proc/sys/kernel/cap_last_cap, read by the parent
	uint32_t pad;
};
struct exec_rlimit {
	uint32_t resource, pad;
	uint64_t soft, hard;
};
struct exec_misc {
	int32_t oom_score_adj;
	uint32_t set_oom_score_adj;
	int32_t umask; // -1: keep
	uint32_t no_new_privs;
	uint32_t pass_fds;      // fds 3..3+pass_fds-1 reach the program
	uint32_t seccomp_flags; // SECCOMP_FILTER_FLAG_*
};
struct setup_opts {
	uint32_t proc;   // open a procfs context for the runtime
	int32_t fifo_fd; // the exec fifo (O_PATH), or -1: no wait for start
};

#endif

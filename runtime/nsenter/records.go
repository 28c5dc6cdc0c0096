package nsenter

// #include "records.h"
import "C"

import "unsafe"

// The record kinds and the record bound, from records.h: the constructor
// reads what these encoders write, so both take them from one place.
const (
	recFlags        = C.REC_FLAGS
	recJoin         = C.REC_JOIN
	recTimeOffsets  = C.REC_TIMEOFFSETS
	recEnd          = C.REC_END
	recCgroupJoin   = C.REC_CGROUP_JOIN
	recCgroupLeave  = C.REC_CGROUP_LEAVE
	recKeepAffinity = C.REC_KEEP_AFFINITY

	recExecArg    = C.REC_EXEC_ARG
	recExecEnv    = C.REC_EXEC_ENV
	recExecCwd    = C.REC_EXEC_CWD
	recExecIDs    = C.REC_EXEC_IDS
	recExecCaps   = C.REC_EXEC_CAPS
	recExecRlimit = C.REC_EXEC_RLIMIT
	recExecMisc   = C.REC_EXEC_MISC
	recExecBPF    = C.REC_EXEC_BPF

	recSetup   = C.REC_SETUP
	recKeyring = C.REC_KEYRING

	// maxRecord bounds a payload (nsenter.c's buffer, NUL included).
	maxRecord = C.MAX_RECORD
)

// cField is one field of a fixed-size record as C lays it out.
type cField struct {
	name      string
	off, size uintptr
}

// cStruct is a fixed-size record's C layout: records_test.go decodes the
// Go encoders' payloads at these offsets, so a field added, moved or
// resized on one side only fails there.
type cStruct struct {
	kind   uint32
	size   uintptr
	fields []cField
}

var cStructs = map[string]cStruct{
	"exec_ids": {recExecIDs, C.sizeof_struct_exec_ids, []cField{
		{"uid", unsafe.Offsetof(C.struct_exec_ids{}.uid), unsafe.Sizeof(C.struct_exec_ids{}.uid)},
		{"gid", unsafe.Offsetof(C.struct_exec_ids{}.gid), unsafe.Sizeof(C.struct_exec_ids{}.gid)},
		{"setgroups", unsafe.Offsetof(C.struct_exec_ids{}.setgroups), unsafe.Sizeof(C.struct_exec_ids{}.setgroups)},
		{"ngids", unsafe.Offsetof(C.struct_exec_ids{}.ngids), unsafe.Sizeof(C.struct_exec_ids{}.ngids)},
	}},
	"exec_caps": {recExecCaps, C.sizeof_struct_exec_caps, []cField{
		{"bounding", unsafe.Offsetof(C.struct_exec_caps{}.bounding), unsafe.Sizeof(C.struct_exec_caps{}.bounding)},
		{"effective", unsafe.Offsetof(C.struct_exec_caps{}.effective), unsafe.Sizeof(C.struct_exec_caps{}.effective)},
		{"permitted", unsafe.Offsetof(C.struct_exec_caps{}.permitted), unsafe.Sizeof(C.struct_exec_caps{}.permitted)},
		{"inheritable", unsafe.Offsetof(C.struct_exec_caps{}.inheritable), unsafe.Sizeof(C.struct_exec_caps{}.inheritable)},
		{"ambient", unsafe.Offsetof(C.struct_exec_caps{}.ambient), unsafe.Sizeof(C.struct_exec_caps{}.ambient)},
		{"last", unsafe.Offsetof(C.struct_exec_caps{}.last), unsafe.Sizeof(C.struct_exec_caps{}.last)},
	}},
	"exec_rlimit": {recExecRlimit, C.sizeof_struct_exec_rlimit, []cField{
		{"resource", unsafe.Offsetof(C.struct_exec_rlimit{}.resource), unsafe.Sizeof(C.struct_exec_rlimit{}.resource)},
		{"soft", unsafe.Offsetof(C.struct_exec_rlimit{}.soft), unsafe.Sizeof(C.struct_exec_rlimit{}.soft)},
		{"hard", unsafe.Offsetof(C.struct_exec_rlimit{}.hard), unsafe.Sizeof(C.struct_exec_rlimit{}.hard)},
	}},
	"exec_misc": {recExecMisc, C.sizeof_struct_exec_misc, []cField{
		{"oom_score_adj", unsafe.Offsetof(C.struct_exec_misc{}.oom_score_adj), unsafe.Sizeof(C.struct_exec_misc{}.oom_score_adj)},
		{"set_oom_score_adj", unsafe.Offsetof(C.struct_exec_misc{}.set_oom_score_adj), unsafe.Sizeof(C.struct_exec_misc{}.set_oom_score_adj)},
		{"umask", unsafe.Offsetof(C.struct_exec_misc{}.umask), unsafe.Sizeof(C.struct_exec_misc{}.umask)},
		{"no_new_privs", unsafe.Offsetof(C.struct_exec_misc{}.no_new_privs), unsafe.Sizeof(C.struct_exec_misc{}.no_new_privs)},
		{"pass_fds", unsafe.Offsetof(C.struct_exec_misc{}.pass_fds), unsafe.Sizeof(C.struct_exec_misc{}.pass_fds)},
		{"seccomp_flags", unsafe.Offsetof(C.struct_exec_misc{}.seccomp_flags), unsafe.Sizeof(C.struct_exec_misc{}.seccomp_flags)},
	}},
	"setup_opts": {recSetup, C.sizeof_struct_setup_opts, []cField{
		{"proc", unsafe.Offsetof(C.struct_setup_opts{}.proc), unsafe.Sizeof(C.struct_setup_opts{}.proc)},
		{"fifo_fd", unsafe.Offsetof(C.struct_setup_opts{}.fifo_fd), unsafe.Sizeof(C.struct_setup_opts{}.fifo_fd)},
	}},
}

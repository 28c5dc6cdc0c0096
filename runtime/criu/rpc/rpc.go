// Package rpc is the part of CRIU's RPC protocol (criu/images/rpc.proto,
// proto2) that berth-runtime speaks: the request it sends to "criu swrk"
// and the responses it reads, with the protocol's field numbers, encoded
// and decoded by hand.
//
// Why not go-criu's generated package: linking it (and the protobuf
// runtime under it) costs every berth-runtime command its package
// initialisation, about a third of the binary's start-up before main, while
// only checkpoint and restore speak to CRIU. The types keep go-criu's names
// and pointer fields (nil is "not set", as proto2's optional fields), so
// code reads the same.
package rpc

import "strconv"

// CriuReqType is rpc.proto's criu_req_type.
type CriuReqType int32

// The request types berth uses or may be answered with.
const (
	CriuReqType_EMPTY       CriuReqType = 0
	CriuReqType_DUMP        CriuReqType = 1
	CriuReqType_RESTORE     CriuReqType = 2
	CriuReqType_CHECK       CriuReqType = 3
	CriuReqType_PRE_DUMP    CriuReqType = 4
	CriuReqType_PAGE_SERVER CriuReqType = 5
	CriuReqType_NOTIFY      CriuReqType = 6
)

var reqTypeNames = [...]string{
	"EMPTY", "DUMP", "RESTORE", "CHECK", "PRE_DUMP", "PAGE_SERVER", "NOTIFY", "CPUINFO_DUMP", "CPUINFO_CHECK",
	"FEATURE_CHECK", "VERSION", "WAIT_PID", "PAGE_SERVER_CHLD", "SINGLE_PRE_DUMP",
}

// String is the enum value's name in rpc.proto, as protobuf prints it.
func (t CriuReqType) String() string {
	if t >= 0 && int(t) < len(reqTypeNames) {
		return reqTypeNames[t]
	}
	return strconv.Itoa(int(t))
}

// CriuCgMode is rpc.proto's criu_cg_mode.
type CriuCgMode int32

// The cgroup modes (--manage-cgroups-mode).
const (
	CriuCgMode_IGNORE  CriuCgMode = 0
	CriuCgMode_CG_NONE CriuCgMode = 1
	CriuCgMode_PROPS   CriuCgMode = 2
	CriuCgMode_SOFT    CriuCgMode = 3
	CriuCgMode_FULL    CriuCgMode = 4
	CriuCgMode_STRICT  CriuCgMode = 5
	CriuCgMode_DEFAULT CriuCgMode = 6
)

// CriuPageServerInfo is criu_page_server_info.
type CriuPageServerInfo struct {
	Address *string // 1
	Port    *int32  // 2
	Pid     *int32  // 3
	Fd      *int32  // 4
}

// ExtMountMap is ext_mount_map.
type ExtMountMap struct {
	Key *string // 1
	Val *string // 2
}

// JoinNamespace is join_namespace.
type JoinNamespace struct {
	Ns       *string // 1
	NsFile   *string // 2
	ExtraOpt *string // 3
}

// InheritFd is inherit_fd.
type InheritFd struct {
	Key *string // 1
	Fd  *int32  // 2
}

// GetKey returns Key, or "" when unset.
func (x *InheritFd) GetKey() string {
	if x == nil || x.Key == nil {
		return ""
	}
	return *x.Key
}

// GetFd returns Fd, or 0 when unset.
func (x *InheritFd) GetFd() int32 {
	if x == nil || x.Fd == nil {
		return 0
	}
	return *x.Fd
}

// CgroupRoot is cgroup_root.
type CgroupRoot struct {
	Ctrl *string // 1
	Path *string // 2
}

// CriuOpts is the part of criu_opts berth sets; each field's number in
// rpc.proto is beside it.
type CriuOpts struct {
	ImagesDirFd       *int32              // 1
	Pid               *int32              // 2
	LeaveRunning      *bool               // 3
	ExtUnixSk         *bool               // 4
	TcpEstablished    *bool               // 5
	EvasiveDevices    *bool               // 6
	ShellJob          *bool               // 7
	FileLocks         *bool               // 8
	LogLevel          *int32              // 9
	LogFile           *string             // 10
	Ps                *CriuPageServerInfo // 11
	NotifyScripts     *bool               // 12
	Root              *string             // 13
	ParentImg         *string             // 14
	TrackMem          *bool               // 15
	AutoDedup         *bool               // 16
	WorkDirFd         *int32              // 17
	LinkRemap         *bool               // 18
	ExtMnt            []*ExtMountMap      // 23
	ManageCgroups     *bool               // 24
	CgRoot            []*CgroupRoot       // 25
	RstSibling        *bool               // 26
	InheritFd         []*InheritFd        // 27
	ManageCgroupsMode *CriuCgMode         // 34
	External          []string            // 37
	EmptyNs           *uint32             // 38
	JoinNs            []*JoinNamespace    // 39
	FreezeCgroup      *string             // 44
	TcpSkipInFlight   *bool               // 46
	LazyPages         *bool               // 48
	StatusFd          *int32              // 49
	OrphanPtsMaster   *bool               // 50
	ConfigFile        *string             // 51
	LsmProfile        *string             // 53
	LsmMountContext   *string             // 63
}

// GetRoot returns Root, or "" when unset.
func (x *CriuOpts) GetRoot() string {
	if x == nil || x.Root == nil {
		return ""
	}
	return *x.Root
}

// GetRstSibling returns RstSibling, or false when unset.
func (x *CriuOpts) GetRstSibling() bool {
	return x != nil && x.RstSibling != nil && *x.RstSibling
}

// CriuReq is criu_req.
type CriuReq struct {
	Type          *CriuReqType // 1
	Opts          *CriuOpts    // 2
	NotifySuccess *bool        // 3
}

// GetType returns Type, or EMPTY when unset.
func (x *CriuReq) GetType() CriuReqType {
	if x == nil || x.Type == nil {
		return CriuReqType_EMPTY
	}
	return *x.Type
}

// GetOpts returns Opts.
func (x *CriuReq) GetOpts() *CriuOpts {
	if x == nil {
		return nil
	}
	return x.Opts
}

// CriuNotify is criu_notify.
type CriuNotify struct {
	Script *string // 1
	Pid    *int32  // 2
}

// GetScript returns Script, or "" when unset.
func (x *CriuNotify) GetScript() string {
	if x == nil || x.Script == nil {
		return ""
	}
	return *x.Script
}

// GetPid returns Pid, or 0 when unset.
func (x *CriuNotify) GetPid() int32 {
	if x == nil || x.Pid == nil {
		return 0
	}
	return *x.Pid
}

// CriuRestoreResp is criu_restore_resp.
type CriuRestoreResp struct {
	Pid *int32 // 1
}

// CriuResp is the part of criu_resp berth reads; the other fields are
// skipped when decoding.
type CriuResp struct {
	Type     *CriuReqType     // 1
	Success  *bool            // 2
	Restore  *CriuRestoreResp // 4
	Notify   *CriuNotify      // 5
	CrErrno  *int32           // 7
	CrErrmsg *string          // 9
}

// GetType returns Type, or EMPTY when unset.
func (x *CriuResp) GetType() CriuReqType {
	if x == nil || x.Type == nil {
		return CriuReqType_EMPTY
	}
	return *x.Type
}

// GetSuccess returns Success, or false when unset.
func (x *CriuResp) GetSuccess() bool {
	return x != nil && x.Success != nil && *x.Success
}

// GetNotify returns Notify.
func (x *CriuResp) GetNotify() *CriuNotify {
	if x == nil {
		return nil
	}
	return x.Notify
}

// GetCrErrno returns CrErrno, or 0 when unset.
func (x *CriuResp) GetCrErrno() int32 {
	if x == nil || x.CrErrno == nil {
		return 0
	}
	return *x.CrErrno
}

// GetCrErrmsg returns CrErrmsg, or "" when unset.
func (x *CriuResp) GetCrErrmsg() string {
	if x == nil || x.CrErrmsg == nil {
		return ""
	}
	return *x.CrErrmsg
}

// String, Int32, Uint32 and Bool return a pointer to their argument, for
// the optional fields (protobuf's proto.String and the like).
func String(v string) *string { return &v }

// Int32 returns &v.
func Int32(v int32) *int32 { return &v }

// Uint32 returns &v.
func Uint32(v uint32) *uint32 { return &v }

// Bool returns &v.
func Bool(v bool) *bool { return &v }

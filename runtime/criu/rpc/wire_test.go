package rpc

import (
	"testing"

	gorpc "github.com/checkpoint-restore/go-criu/v7/rpc"
	"google.golang.org/protobuf/proto"
)

// The reference is go-criu's generated code: what this package encodes,
// protobuf decodes into the same request, and the other way round.

func TestMarshalMatchesGoCriu(t *testing.T) {
	dump, notify := CriuReqType_DUMP, CriuReqType_NOTIFY
	cg := CriuCgMode_SOFT
	gdump, gnotify := gorpc.CriuReqType_DUMP, gorpc.CriuReqType_NOTIFY
	gcg := gorpc.CriuCgMode_SOFT
	tests := []struct {
		name string
		req  *CriuReq
		want *gorpc.CriuReq
	}{
		{"notify", &CriuReq{Type: &notify, NotifySuccess: Bool(true)}, &gorpc.CriuReq{Type: &gnotify, NotifySuccess: proto.Bool(true)}},
		{"every field", &CriuReq{Type: &dump, Opts: &CriuOpts{
			ImagesDirFd: Int32(5), Pid: Int32(-7), LeaveRunning: Bool(false), ExtUnixSk: Bool(true), TcpEstablished: Bool(true),
			EvasiveDevices: Bool(true), ShellJob: Bool(false), FileLocks: Bool(true), LogLevel: Int32(4), LogFile: String("dump.log"),
			Ps:            &CriuPageServerInfo{Address: String("127.0.0.1"), Port: Int32(2700), Pid: Int32(1), Fd: Int32(9)},
			NotifyScripts: Bool(true), Root: String("/rootfs"), ParentImg: String("../parent"), TrackMem: Bool(true),
			AutoDedup: Bool(true), WorkDirFd: Int32(6), LinkRemap: Bool(true),
			ExtMnt:        []*ExtMountMap{{Key: String("/a"), Val: String("/a")}, {Key: String("/b"), Val: String("")}},
			ManageCgroups: Bool(true), CgRoot: []*CgroupRoot{{Path: String("/x")}, {Ctrl: String("memory"), Path: String("/y")}},
			RstSibling: Bool(true), InheritFd: []*InheritFd{{Key: String("pipe:[1]"), Fd: Int32(0)}},
			ManageCgroupsMode: &cg, External: []string{"mnt[]:m", "net[4026531840]:extRootNetNS"}, EmptyNs: Uint32(0x40000000),
			JoinNs:       []*JoinNamespace{{Ns: String("net"), NsFile: String("/proc/1/ns/net"), ExtraOpt: String("x")}},
			FreezeCgroup: String("/sys/fs/cgroup/c"), TcpSkipInFlight: Bool(true), LazyPages: Bool(false), StatusFd: Int32(8),
			OrphanPtsMaster: Bool(true), ConfigFile: String("/etc/criu/runc.conf"), LsmProfile: String("apparmor:p"),
			LsmMountContext: String("ctx"),
		}}, &gorpc.CriuReq{Type: &gdump, Opts: &gorpc.CriuOpts{
			ImagesDirFd: proto.Int32(5), Pid: proto.Int32(-7), LeaveRunning: proto.Bool(false), ExtUnixSk: proto.Bool(true), TcpEstablished: proto.Bool(true),
			EvasiveDevices: proto.Bool(true), ShellJob: proto.Bool(false), FileLocks: proto.Bool(true), LogLevel: proto.Int32(4), LogFile: proto.String("dump.log"),
			Ps:            &gorpc.CriuPageServerInfo{Address: proto.String("127.0.0.1"), Port: proto.Int32(2700), Pid: proto.Int32(1), Fd: proto.Int32(9)},
			NotifyScripts: proto.Bool(true), Root: proto.String("/rootfs"), ParentImg: proto.String("../parent"), TrackMem: proto.Bool(true),
			AutoDedup: proto.Bool(true), WorkDirFd: proto.Int32(6), LinkRemap: proto.Bool(true),
			ExtMnt:        []*gorpc.ExtMountMap{{Key: proto.String("/a"), Val: proto.String("/a")}, {Key: proto.String("/b"), Val: proto.String("")}},
			ManageCgroups: proto.Bool(true), CgRoot: []*gorpc.CgroupRoot{{Path: proto.String("/x")}, {Ctrl: proto.String("memory"), Path: proto.String("/y")}},
			RstSibling: proto.Bool(true), InheritFd: []*gorpc.InheritFd{{Key: proto.String("pipe:[1]"), Fd: proto.Int32(0)}},
			ManageCgroupsMode: &gcg, External: []string{"mnt[]:m", "net[4026531840]:extRootNetNS"}, EmptyNs: proto.Uint32(0x40000000),
			JoinNs:       []*gorpc.JoinNamespace{{Ns: proto.String("net"), NsFile: proto.String("/proc/1/ns/net"), ExtraOpt: proto.String("x")}},
			FreezeCgroup: proto.String("/sys/fs/cgroup/c"), TcpSkipInFlight: proto.Bool(true), LazyPages: proto.Bool(false), StatusFd: proto.Int32(8),
			OrphanPtsMaster: proto.Bool(true), ConfigFile: proto.String("/etc/criu/runc.conf"), LsmProfile: proto.String("apparmor:p"),
			LsmMountContext: proto.String("ctx"),
		}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			got := new(gorpc.CriuReq)
			if err := proto.Unmarshal(b, got); err != nil {
				t.Fatalf("protobuf cannot decode it: %v", err)
			}
			if !proto.Equal(got, tt.want) {
				t.Errorf("decoded as\n%v\nwant\n%v", got, tt.want)
			}
			ref, err := proto.Marshal(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if string(ref) != string(b) {
				t.Errorf("bytes differ from protobuf's:\n got %x\nwant %x", b, ref)
			}
		})
	}
}

func TestMarshalRefusesMissingRequired(t *testing.T) {
	dump := CriuReqType_DUMP
	for _, req := range []*CriuReq{nil, {}, {Type: &dump, Opts: &CriuOpts{}}} {
		if _, err := Marshal(req); err == nil {
			t.Errorf("Marshal(%+v): no error", req)
		}
	}
}

func TestUnmarshalGoCriuResponses(t *testing.T) {
	restore, notify, dump := gorpc.CriuReqType_RESTORE, gorpc.CriuReqType_NOTIFY, gorpc.CriuReqType_DUMP
	tests := []struct {
		name string
		resp *gorpc.CriuResp
		want func(*CriuResp) bool
	}{
		{"notify", &gorpc.CriuResp{Type: &notify, Success: proto.Bool(true), Notify: &gorpc.CriuNotify{Script: proto.String("post-restore"), Pid: proto.Int32(4242)}},
			func(r *CriuResp) bool {
				return r.GetType() == CriuReqType_NOTIFY && r.GetSuccess() && r.GetNotify().GetScript() == "post-restore" && r.GetNotify().GetPid() == 4242
			}},
		{"restored", &gorpc.CriuResp{Type: &restore, Success: proto.Bool(true), Restore: &gorpc.CriuRestoreResp{Pid: proto.Int32(99)}},
			func(r *CriuResp) bool {
				return r.GetType() == CriuReqType_RESTORE && r.Restore != nil && *r.Restore.Pid == 99
			}},
		{"error, with fields skipped", &gorpc.CriuResp{Type: &dump, Success: proto.Bool(false), CrErrno: proto.Int32(-2), CrErrmsg: proto.String("no such file"),
			Dump: &gorpc.CriuDumpResp{Restored: proto.Bool(true)}, Version: &gorpc.CriuVersion{MajorNumber: proto.Int32(3), MinorNumber: proto.Int32(17)}, Status: proto.Int32(1)},
			func(r *CriuResp) bool {
				return r.GetType() == CriuReqType_DUMP && !r.GetSuccess() && r.GetCrErrno() == -2 && r.GetCrErrmsg() == "no such file"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := proto.Marshal(tt.resp)
			if err != nil {
				t.Fatal(err)
			}
			var got CriuResp
			if err := Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !tt.want(&got) {
				t.Errorf("decoded %+v from %v", got, tt.resp)
			}
		})
	}
	var r CriuResp
	if err := Unmarshal([]byte{0x0a, 0x05, 'a'}, &r); err == nil {
		t.Error("truncated message: no error")
	}
}

func TestReqTypeString(t *testing.T) {
	for _, v := range []int32{0, 1, 2, 4, 6, 13} {
		if got, want := CriuReqType(v).String(), gorpc.CriuReqType(v).String(); got != want {
			t.Errorf("%d: %q, want %q", v, got, want)
		}
	}
}

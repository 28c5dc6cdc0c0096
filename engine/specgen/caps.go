package specgen

import (
	"strings"

	"github.com/berth-containers/berth/engine/record"
	"github.com/berth-containers/berth/runtime/caps"
)

// dockerCaps is Docker's default capability set.
var dockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// AllCaps is every capability the running kernel knows, for --privileged
// and --cap-add ALL.
func AllCaps() []string {
	names := []string{"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
		"SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
		"IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
		"SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
		"AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
		"BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"}
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "CAP_" + n
	}
	return out
}

// Bounded keeps the capabilities of list that berth itself may hand on,
// those of its bounding set bnd: --privileged and --cap-add ALL ask for
// "all" the kernel knows, and a sandbox that lacks one (this machine
// lacks CAP_SYS_RESOURCE) would make every such container fail. Podman
// bounds --privileged the same way. A nil bnd (unknown) keeps them all.
func Bounded(list []string, bnd *caps.Set) []string {
	if bnd == nil {
		return list
	}
	var out []string
	for _, name := range list {
		n, ok := caps.Number(name)
		if !ok || n >= 64 || bnd.Has(n) {
			out = append(out, name)
		}
	}
	return out
}

func capName(s string) string {
	s = strings.ToUpper(s)
	if s != "ALL" && !strings.HasPrefix(s, "CAP_") {
		s = "CAP_" + s
	}
	return s
}

// capabilities applies --cap-add and --cap-drop to Docker's defaults.
func capabilities(hc record.HostConfig, bnd *caps.Set) []string {
	if hc.Privileged {
		return Bounded(AllCaps(), bnd)
	}
	set := map[string]bool{}
	for _, c := range dockerCaps {
		set[c] = true
	}
	for _, d := range hc.CapDrop {
		if capName(d) == "ALL" {
			set = map[string]bool{}
			continue
		}
		delete(set, capName(d))
	}
	for _, a := range hc.CapAdd {
		if capName(a) == "ALL" {
			for _, c := range Bounded(AllCaps(), bnd) {
				set[c] = true
			}
			continue
		}
		set[capName(a)] = true
	}
	var out []string
	for _, c := range AllCaps() {
		if set[c] {
			out = append(out, c)
		}
	}
	return out
}

// Package caps turns the capability sets of an OCI spec into the kernel's
// bitmasks and applies them to the calling thread.
//
// Capabilities belong to a thread, not to a process: every call here changes
// only the OS thread it runs on. The caller must runtime.LockOSThread before
// applying and exec from that same thread, or the Go scheduler may run the
// exec on a thread that kept its old capabilities.
package caps

import (
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Max is the highest capability number berth knows by name
// (CAP_CHECKPOINT_RESTORE, Linux 5.9).
const Max = unix.CAP_CHECKPOINT_RESTORE

// names is indexed by capability number.
var names = [Max + 1]string{
	unix.CAP_CHOWN:              "CAP_CHOWN",
	unix.CAP_DAC_OVERRIDE:       "CAP_DAC_OVERRIDE",
	unix.CAP_DAC_READ_SEARCH:    "CAP_DAC_READ_SEARCH",
	unix.CAP_FOWNER:             "CAP_FOWNER",
	unix.CAP_FSETID:             "CAP_FSETID",
	unix.CAP_KILL:               "CAP_KILL",
	unix.CAP_SETGID:             "CAP_SETGID",
	unix.CAP_SETUID:             "CAP_SETUID",
	unix.CAP_SETPCAP:            "CAP_SETPCAP",
	unix.CAP_LINUX_IMMUTABLE:    "CAP_LINUX_IMMUTABLE",
	unix.CAP_NET_BIND_SERVICE:   "CAP_NET_BIND_SERVICE",
	unix.CAP_NET_BROADCAST:      "CAP_NET_BROADCAST",
	unix.CAP_NET_ADMIN:          "CAP_NET_ADMIN",
	unix.CAP_NET_RAW:            "CAP_NET_RAW",
	unix.CAP_IPC_LOCK:           "CAP_IPC_LOCK",
	unix.CAP_IPC_OWNER:          "CAP_IPC_OWNER",
	unix.CAP_SYS_MODULE:         "CAP_SYS_MODULE",
	unix.CAP_SYS_RAWIO:          "CAP_SYS_RAWIO",
	unix.CAP_SYS_CHROOT:         "CAP_SYS_CHROOT",
	unix.CAP_SYS_PTRACE:         "CAP_SYS_PTRACE",
	unix.CAP_SYS_PACCT:          "CAP_SYS_PACCT",
	unix.CAP_SYS_ADMIN:          "CAP_SYS_ADMIN",
	unix.CAP_SYS_BOOT:           "CAP_SYS_BOOT",
	unix.CAP_SYS_NICE:           "CAP_SYS_NICE",
	unix.CAP_SYS_RESOURCE:       "CAP_SYS_RESOURCE",
	unix.CAP_SYS_TIME:           "CAP_SYS_TIME",
	unix.CAP_SYS_TTY_CONFIG:     "CAP_SYS_TTY_CONFIG",
	unix.CAP_MKNOD:              "CAP_MKNOD",
	unix.CAP_LEASE:              "CAP_LEASE",
	unix.CAP_AUDIT_WRITE:        "CAP_AUDIT_WRITE",
	unix.CAP_AUDIT_CONTROL:      "CAP_AUDIT_CONTROL",
	unix.CAP_SETFCAP:            "CAP_SETFCAP",
	unix.CAP_MAC_OVERRIDE:       "CAP_MAC_OVERRIDE",
	unix.CAP_MAC_ADMIN:          "CAP_MAC_ADMIN",
	unix.CAP_SYSLOG:             "CAP_SYSLOG",
	unix.CAP_WAKE_ALARM:         "CAP_WAKE_ALARM",
	unix.CAP_BLOCK_SUSPEND:      "CAP_BLOCK_SUSPEND",
	unix.CAP_AUDIT_READ:         "CAP_AUDIT_READ",
	unix.CAP_PERFMON:            "CAP_PERFMON",
	unix.CAP_BPF:                "CAP_BPF",
	unix.CAP_CHECKPOINT_RESTORE: "CAP_CHECKPOINT_RESTORE",
}

var byName = func() map[string]int {
	m := make(map[string]int, len(names))
	for n, s := range names {
		m[s] = n
	}
	return m
}()

// Name returns the "CAP_"-prefixed name of capability n, or "" when berth
// does not know n.
func Name(n int) string {
	if n < 0 || n > Max {
		return ""
	}
	return names[n]
}

// Number returns the number of the capability called name. It accepts the
// name with or without the "CAP_" prefix, in any case, as Docker's --cap-add
// does.
func Number(name string) (int, bool) {
	name = strings.ToUpper(name)
	if !strings.HasPrefix(name, "CAP_") {
		name = "CAP_" + name
	}
	n, ok := byName[name]
	return n, ok
}

// Known reports whether name (exactly as written in a spec) is a capability.
func Known(name string) bool {
	_, ok := byName[name]
	return ok
}

// Names returns every capability name berth knows, by number.
func Names() []string {
	return append([]string(nil), names[:]...)
}

var lastCap = sync.OnceValue(readLastCap)

// Last returns the highest capability number the running kernel knows, read
// once from /proc/sys/kernel/cap_last_cap. Read it before leaving the host's
// /proc (the value is cached). When the file cannot be read it logs why and
// assumes Max, so that a missing /proc never drops capabilities silently.
func Last() int {
	return lastCap()
}

func readLastCap() int {
	const path = "/proc/sys/kernel/cap_last_cap"
	b, err := os.ReadFile(path)
	if err == nil {
		var n int
		if n, err = strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return n
		}
	}
	slog.Warn("cannot read the last capability of the kernel, assuming CAP_CHECKPOINT_RESTORE", "path", path, "error", err)
	return Max
}

// Package initproc is the container's init: the code that runs inside the
// new namespaces (put there by runtime/nsenter), builds the container's
// world and finally execs the user's program.
//
// After nsenter's handshake, parent and init speak JSON on the same socket:
//
//	parent (runtime/container)                 init (this package)
//	  Config (with linux.seccomp as BPF) ---->  mounts (rootfs.Setup up to pivot)
//	                 <------------------------  {"type":"hooks"}  only if there are
//	  runs prestart, createRuntime hooks         prestart/createRuntime/createContainer hooks
//	  {"type":"hooks-done"} ----------------->  runs createContainer hooks, pivot_root,
//	                                            masked paths, sysctl, rlimits, console,
//	                                            user, capabilities, no_new_privs
//	                 <------------------------  {"type":"ready"}  (or {"type":"error"})
//	  create returns; start opens exec.fifo     open(exec.fifo, O_WRONLY) blocks until start
//	                                            startContainer hooks, execve
package initproc

import (
	"encoding/json"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-containers/berth/runtime/idmap"
	"github.com/berth-containers/berth/runtime/seccomp"
)

// EnvSocket names the environment variable holding the socket's fd.
const EnvSocket = "_BERTH_INIT_SOCK"

// Config is everything the init needs, sent by the parent once the init is
// in its namespaces.
type Config struct {
	// SpecJSON is the bundle's config.json as read: forwarding the bytes
	// spares the parent an encode.
	SpecJSON json.RawMessage `json:"spec"`
	// ExtraEnv is added to process.env (LISTEN_FDS and LISTEN_PID).
	ExtraEnv []string `json:"extraEnv,omitempty"`
	// Spec is SpecJSON decoded, with ExtraEnv applied.
	Spec    *specs.Spec `json:"-"`
	Rootfs  string      `json:"rootfs"`
	Bundle  string      `json:"bundle"`
	NoPivot bool        `json:"noPivot,omitempty"`
	// NoNewKeyring keeps the caller's session keyring instead of a new one.
	NoNewKeyring bool `json:"noNewKeyring,omitempty"`
	// PassFDs is how many fds from 3 up the container's process inherits
	// (LISTEN_FDS plus --preserve-fds).
	PassFDs int `json:"passFds,omitempty"`
	// FifoFD is an O_PATH fd of exec.fifo: the init blocks writing to it
	// until start.
	FifoFD int `json:"fifoFd"`
	// ConsoleFD is a connected unix socket to send the pty master over, or -1.
	ConsoleFD int `json:"consoleFd"`
	// ClearONLCR: the pty is made not to turn "\n" into "\r\n" before
	// its master is sent, before the process can write.
	ClearONLCR bool `json:"clearOnlcr,omitempty"`
	// terminalSet: the terminal is already set up (before Finalize).
	terminalSet bool
	// selfFDs is a /proc/self/fd held open, or 0: the host's, across the
	// chroot of a container that shares the runtime's mount namespace (its
	// rootfs has no /proc of its own), else the container's, opened while
	// still root (holdSelfFDs). The exec fifo is reopened through it.
	selfFDs int
	// IDMap are the id-mapped binds' user namespaces or trees, by index
	// in Spec.Mounts (runtime/idmap).
	IDMap map[int]idmap.FDs `json:"idmap,omitempty"`
	// ExeFD is the init's own executable, closed before anything else.
	ExeFD int `json:"exeFd"`
	// State is the container's state as hooks see it (pid filled in).
	State specs.State `json:"state"`
	// Hooks says the parent wants the hooks round trip before pivot_root.
	Hooks bool `json:"hooks,omitempty"`
	// CgroupJoinFD is the v1 memory cgroup's tasks file, or 0: the init
	// joins it at the end of create, so the runtime's own set-up is not
	// charged to the container (see joinMemoryCgroup).
	CgroupJoinFD int `json:"cgroupJoinFd,omitempty"`
	// MemoryCgroup is that memory cgroup's directory, bound into the
	// container's /sys/fs/cgroup (rootfs.Config.MemoryCgroup).
	MemoryCgroup string `json:"memoryCgroup,omitempty"`
	// SeccompListenerFD is a socket connected to linux.seccomp.listenerPath,
	// or 0: the seccomp notify fd is sent there.
	SeccompListenerFD int `json:"seccompListenerFd,omitempty"`
	// Seccomp is linux.seccomp compiled by the parent (from its cache, or
	// while this process started), loaded with seccomp(2): no libseccomp
	// here.
	Seccomp *seccomp.Program `json:"seccomp,omitempty"`
	// Exec, when set, makes this an exec'd process of a running container
	// rather than its init (see exec.go).
	Exec *ExecConfig `json:"exec,omitempty"`
}

// Message types on the socket.
const (
	MsgHooks     = "hooks"
	MsgHooksDone = "hooks-done"
	MsgReady     = "ready"
	MsgError     = "error"
)

// Message is one line of the protocol after Config.
type Message struct {
	Type   string `json:"type"`
	Error  string `json:"error,omitempty"`
	Reason string `json:"reason,omitempty"` // with an error: an ExecError's reason
}
